/**
 * Local-mode I/O for the lake: a directory sink (atomic replace: write to a temp name, then rename) and file sources.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ObjectSource } from './ingest.ts';
import type { LakeSink } from './lake.ts';

export class DirSink implements LakeSink {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Uint8Array): Promise<string> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, body);
    await rename(tmp, path);
    return path;
  }

  async remove(key: string): Promise<void> {
    await rm(join(this.root, key), { force: true });
  }
}

export function fileSource(path: string): ObjectSource {
  const abs = resolve(path);
  return {
    name: path,
    identity: abs,
    key: abs,
    open: async () => createReadStream(abs, { highWaterMark: 256 * 1024 }),
    localPath: async () => abs,
  };
}

const FLOW_LOG_FILE = /\.(log|log\.gz|gz|parquet|txt)$/i;

/** Expands files and directories (recursively) into flow-log files, sorted for a stable order. */
export async function expandLocalInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new Error(`${input}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const entries = await readdir(input, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && FLOW_LOG_FILE.test(e.name))
        .map((e) => join(e.parentPath, e.name))
        .sort();
      out.push(...files);
    } else out.push(input);
  }
  return out;
}
