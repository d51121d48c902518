/** What the mirror manager needs from outside; local files/stdout or EC2/S3 implement it. */
import type { FilterCall } from './filters.ts';
import type { Inventory, MirrorFilter } from './inventory.ts';
import type { MirrorCall } from './reconcile.ts';

export interface MirrorReader {
  inventory(): Promise<Inventory>;
  /** instance type → Nitro? (types missing from the answer are unknown) */
  hypervisors(types: readonly string[]): Promise<Map<string, boolean>>;
  /** the mirror target's own ENI ids (never a source) */
  targetEniIds(targetId: string): Promise<string[]>;
  /** traffic-mirror filters with their rules (to keep the one we own in line with the preset) */
  filters(): Promise<MirrorFilter[]>;
}

export interface MirrorExecutor {
  /**
   * returns the new session / filter id for a create; `failed` (an EC2 error code) when EC2 refused a session create
   * for a reason that concerns only that ENI (limits, unsupported instance, ENI gone): the rest of the reconcile goes on
   */
  execute(call: MirrorCall | FilterCall): Promise<{ sessionId?: string; filterId?: string; ruleId?: string; failed?: string }>;
}

/** Where the VNI map lives (S3 object or local file); `read` gives the current text or undefined. */
export interface MapStore {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
  describe(): string;
}
