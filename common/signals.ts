/**
 * The one way a service stops: on SIGINT or SIGTERM it runs `stop` (close
 * listeners, flush, close the ledger) and exits 0, or 1 if stopping failed.
 * A second signal while stopping exits at once.
 */
export function stopOnSignal(stop: (signal: NodeJS.Signals) => Promise<void> | void, onError: (err: unknown) => void = (err) => console.error(err)): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    Promise.resolve()
      .then(() => stop(signal))
      .then(
        () => process.exit(0),
        (err: unknown) => {
          onError(err);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
