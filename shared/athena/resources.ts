/**
 * The Athena/Glue side of the lake as CloudFormation (included from serverless.yml through
 * shared/athena/resources.yml, which is generated from this file: `node shared/athena/resources.ts > shared/athena/resources.yml`,
 * and a test keeps the two in step). Glue database, one table per analyst table with partition projection (no
 * crawler, no MSCK REPAIR), an Athena workgroup with a result location and a bytes-scanned limit, and every library
 * query and detection as an AWS::Athena::NamedQuery.
 *
 * No `${…}` of CloudFormation's own appears in the output (the Framework would try to resolve it): S3 locations are
 * built with Fn::Join and the projection templates split `$` from `{`.
 */
import { stringify } from 'yaml';
import { listQueries } from './library.ts';
import { TABLES, type TableDef } from './tables.ts';

const BUCKET = { Ref: 'LakeBucket' };
const PREFIX = '${param:lakePrefix}';
const DATABASE = "${param:glueDatabase, 'netwatch_${sls:stage}'}";
const WORKGROUP = "${param:athenaWorkGroup, 'netwatch-${sls:stage}'}";
const CUTOFF = '${param:athenaBytesScannedCutoff, 10737418240}';

const s3 = (...parts: unknown[]) => ({ 'Fn::Join': ['', ['s3://', BUCKET, '/', PREFIX, ...parts]] });
/** `${name}` for Athena's storage.location.template, without writing `${` in the YAML */
const slot = (name: string) => ['$', `{${name}}`];

const logicalId = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

function projection(t: TableDef): Record<string, unknown> {
  const p: Record<string, unknown> = { 'projection.enabled': 'true' };
  for (const k of t.partitions) {
    if (k === 'dt') {
      Object.assign(p, {
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': "${param:lakeStartDate, '2024-01-01'},NOW",
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      });
    } else if (k === 'hour') {
      Object.assign(p, { 'projection.hour.type': 'integer', 'projection.hour.range': '0,23', 'projection.hour.digits': '2' });
    } else if (k === 'account_id') {
      Object.assign(p, {
        'projection.account_id.type': 'enum',
        'projection.account_id.values': { 'Fn::If': ['NetwatchLakeAccountsGiven', "${param:lakeAccounts, ''}", { Ref: 'AWS::AccountId' }] },
      });
    } else if (k === 'region') {
      Object.assign(p, {
        'projection.region.type': 'enum',
        'projection.region.values': { 'Fn::If': ['NetwatchLakeRegionsGiven', "${param:lakeRegions, ''}", { Ref: 'AWS::Region' }] },
      });
    }
  }
  const template: unknown[] = [];
  t.partitions.forEach((k, i) => template.push(`${i === 0 ? '' : '/'}${k}=`, ...slot(k)));
  p['storage.location.template'] = s3(`${t.location}/`, ...template);
  return p;
}

function table(t: TableDef): Record<string, unknown> {
  const parquet = t.format === 'parquet';
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseName: { Ref: 'NetwatchGlueDatabase' },
      TableInput: {
        Name: t.name,
        Description: parquet
          ? 'VPC flow logs, enriched (netwatch flow-log-ingest); columns as shared/flowlog/fields.ts'
          : `Sensor EVE records, event_type=${t.location.split('=')[1]} (Suricata-EVE-compatible JSON lines, gzip)`,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: parquet ? 'parquet' : 'json', EXTERNAL: 'TRUE', ...projection(t) },
        PartitionKeys: t.partitions.map((k) => ({ Name: k, Type: 'string' })),
        StorageDescriptor: {
          Location: s3(`${t.location}/`),
          Columns: t.columns.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })),
          ...(parquet
            ? {
                InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
                OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
                SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
              }
            : {
                InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
                OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
                SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'case.insensitive': 'TRUE' } },
              }),
        },
      },
    },
  };
}

export function athenaResources(): Record<string, unknown> {
  const resources: Record<string, unknown> = {
    NetwatchGlueDatabase: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: { Name: DATABASE, Description: 'vpc-netwatch lake: flow_logs and sensor_* tables (partition projection)' },
      },
    },
    NetwatchAthenaWorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: WORKGROUP,
        Description: 'vpc-netwatch analyst queries and scheduled detections',
        RecursiveDeleteOption: true,
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: CUTOFF,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          ResultConfiguration: {
            OutputLocation: s3('athena-results/'),
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      },
    },
  };
  for (const t of TABLES) resources[`Netwatch${logicalId(t.name)}Table`] = table(t);
  for (const q of listQueries()) {
    resources[`Netwatch${q.kind === 'detection' ? 'Detection' : 'Query'}${logicalId(q.name)}`] = {
      Type: 'AWS::Athena::NamedQuery',
      DependsOn: ['NetwatchAthenaWorkGroup'],
      Properties: {
        Name: `netwatch ${q.name}`,
        Description: `${q.title}: ${q.answers}`.slice(0, 1024),
        Database: { Ref: 'NetwatchGlueDatabase' },
        WorkGroup: { Ref: 'NetwatchAthenaWorkGroup' },
        QueryString: `${q.sql}\n`,
      },
    };
  }
  return {
    Conditions: {
      NetwatchLakeAccountsGiven: { 'Fn::Not': [{ 'Fn::Equals': ["${param:lakeAccounts, ''}", ''] }] },
      NetwatchLakeRegionsGiven: { 'Fn::Not': [{ 'Fn::Equals': ["${param:lakeRegions, ''}", ''] }] },
    },
    Resources: resources,
    Outputs: {
      GlueDatabaseName: { Value: { Ref: 'NetwatchGlueDatabase' } },
      AthenaWorkGroupName: { Value: { Ref: 'NetwatchAthenaWorkGroup' } },
    },
  };
}

export function athenaResourcesYaml(): string {
  return (
    '# GENERATED by `node shared/athena/resources.ts > shared/athena/resources.yml` from shared/athena/{tables.ts,queries,detections}.\n' +
    '# Do not edit by hand: test/unit/athena/resources.test.ts fails when this file and the generator disagree.\n' +
    '# Params (all optional): glueDatabase, athenaWorkGroup, athenaBytesScannedCutoff (bytes, default 10 GiB),\n' +
    '#   lakeAccounts / lakeRegions (comma-separated; default this stack\'s account and region), lakeStartDate.\n' +
    stringify(athenaResources(), { lineWidth: 0, aliasDuplicateObjects: false })
  );
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(athenaResourcesYaml());
