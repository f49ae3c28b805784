// Selecting and replaying paths. DHCPF_MBT_PATH names the paths to run as comma-separated path
// ids, and a fast-check property's id may end with `@` and the counterexample path fast-check
// reported. DHCPF_MBT_SEED sets the fast-check seed. A failing path adds the command that replays it.

const entries = process.env['DHCPF_MBT_PATH']?.split(',').filter((entry) => entry !== '');
const selection = entries?.map((entry) => entry.split('@')[0] ?? entry);

/** The fast-check seed to replay, when DHCPF_MBT_SEED is set. */
export const replaySeed =
  process.env['DHCPF_MBT_SEED'] === undefined ? undefined : Number(process.env['DHCPF_MBT_SEED']);

/** Only some paths run; coverage checks make no sense then. */
export const partialRun = selection !== undefined;

export function isSelected(pathId: string): boolean {
  return selection === undefined || selection.includes(pathId);
}

/** Returns the fast-check counterexample path given for `pathId` after `@`, if any. */
export function counterexamplePathOf(pathId: string): string | undefined {
  const entry = entries?.find((item) => item.startsWith(`${pathId}@`));
  return entry?.slice(pathId.length + 1);
}

export function replayCommand(pathId: string, testFile: string, seed?: number): string {
  const seedPart = seed === undefined ? '' : `DHCPF_MBT_SEED=${seed} `;
  return `${seedPart}DHCPF_MBT_PATH='${pathId}' npx vitest run ${testFile}`;
}

/** Runs a path; a failure keeps its error and adds the line that replays the path. */
export async function withReplay(
  pathId: string,
  testFile: string,
  run: () => Promise<void>,
  seed?: number,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Error) {
      // fast-check names the shrunk counterexample as `path: "..."` in its report.
      const counterexample = /path: "([^"]+)"/.exec(error.message)?.[1];
      const id = counterexample === undefined ? pathId : `${pathId}@${counterexample}`;
      error.message += `\nreplay: ${replayCommand(id, testFile, seed)}`;
    }

    throw error;
  }
}
