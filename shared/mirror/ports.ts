/** What the mirror manager needs from outside; local files/stdout or EC2/S3 implement it. */
import type { Inventory } from './inventory.ts';
import type { MirrorCall } from './reconcile.ts';

export interface MirrorReader {
  inventory(): Promise<Inventory>;
  /** instance type → Nitro? (types missing from the answer are unknown) */
  hypervisors(types: readonly string[]): Promise<Map<string, boolean>>;
  /** the mirror target's own ENI ids (never a source) */
  targetEniIds(targetId: string): Promise<string[]>;
}

export interface MirrorExecutor {
  /** returns the new session id for a create */
  execute(call: MirrorCall): Promise<{ sessionId?: string }>;
}

/** Where the VNI map lives (S3 object or local file); `read` gives the current text or undefined. */
export interface MapStore {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
  describe(): string;
}
