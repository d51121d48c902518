// placeholder replaced in the next commit by the real handler
export const handler = async (): Promise<void> => {
  throw new Error('flow-log-ingest: not wired yet');
};
