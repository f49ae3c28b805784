// Cleanup that must run however the bench ends: normal exit, an error, Ctrl-C or SIGTERM. Each
// resource registers a synchronous undo step (kill one PID, delete one namespace pair), and the
// steps run once, newest first.

type CleanupStep = () => void;

const steps = new Map<number, CleanupStep>();
let nextId = 0;
let exitHandlerInstalled = false;

/** Registers a step; the returned function runs it now and removes it. */
export function registerCleanup(step: CleanupStep): () => void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.once('exit', runAllCleanup);
  }

  const id = nextId++;
  steps.set(id, step);
  return () => {
    if (steps.delete(id)) {
      step();
    }
  };
}

/** Runs every registered step, newest first; a failing step does not stop the others. */
export function runAllCleanup(): void {
  const pending = [...steps.entries()].reverse();
  steps.clear();
  for (const [, step] of pending) {
    try {
      step();
    } catch (error) {
      process.stderr.write(`[bench] cleanup step failed: ${String(error)}\n`);
    }
  }
}

/**
 * Runs the cleanup on SIGINT, SIGTERM and SIGHUP, then exits with 128 + the signal number. Only
 * the bench's entry point installs it; a test process keeps its runner's own signal handling.
 */
export function installSignalCleanup(): void {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`[bench] ${signal}: stopping the processes and namespaces it started\n`);
      runAllCleanup();
      process.exit(status);
    });
  }
}
