/**
 * Secret and config fetchers for the notification functions, through Powertools Parameters (which caches each value
 * for maxAge seconds across warm invocations). Clients come from clients.ts.
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretFetchers } from '../notify/secrets.ts';
import { secretsManagerClient, ssmClient } from './clients.ts';

export const PARAMETER_MAX_AGE_SECONDS = 300;

let ssm: SSMProvider | undefined;
let secrets: SecretsProvider | undefined;

function ssmProvider(): SSMProvider {
  ssm ??= new SSMProvider({ awsSdkV3Client: ssmClient() });
  return ssm;
}

export function awsSecretFetchers(): SecretFetchers {
  return {
    ssm: async (name) => {
      const v = await ssmProvider().get(name, { decrypt: true, maxAge: PARAMETER_MAX_AGE_SECONDS });
      if (typeof v !== 'string') throw new Error(`SSM parameter ${name} not found`);
      return v;
    },
    secret: async (id) => {
      secrets ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() });
      const v = await secrets.get(id, { maxAge: PARAMETER_MAX_AGE_SECONDS });
      if (typeof v !== 'string') throw new Error(`secret ${id} not found or binary`);
      return v;
    },
  };
}

/** netwatch.config.yml text stored in an SSM parameter (NETWATCH_CONFIG_PARAM), cached like the secrets. */
export async function configFromSsm(name: string): Promise<string> {
  const v = await ssmProvider().get(name, { maxAge: PARAMETER_MAX_AGE_SECONDS });
  if (typeof v !== 'string') throw new Error(`SSM parameter ${name} not found`);
  return v;
}
