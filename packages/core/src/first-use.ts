// Work a module defers from a cold start to the first invocation that needs it, such as loading ElectroDB (a chunk of
// its own in a deployed bundle). A module that defers work registers it when it is evaluated; the edges await
// `beforeFirstUse()` before a handler runs, so a handler that never imports such a module (health, the authorizer)
// loads nothing. This module imports nothing, so importing it costs a handler nothing.

const loaders: (() => Promise<void>)[] = [];
let ready: Promise<void> | undefined;

/** Registers work to finish before the first invocation of any handler that evaluated the caller. */
export const deferToFirstUse = (load: () => Promise<void>): void => {
  loaders.push(load);
  ready = undefined;
};

/** Resolves once every registered load has finished; after a failure the next call tries again. */
export const beforeFirstUse = (): Promise<void> => {
  ready ??= Promise.all(loaders.map((load) => load())).then(
    () => undefined,
    (error: unknown) => {
      ready = undefined;
      throw error;
    },
  );
  return ready;
};
