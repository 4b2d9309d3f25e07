/**
 * An object built by `build` on its first use (any property read), then forwarded to. Methods are bound to the
 * built object, so ElectroDB's chains see their own `this`.
 */
export const lazy = <T extends object>(build: () => T): T => {
  let value: T | undefined;
  const target = (): T => {
    value ??= build();
    return value;
  };
  return new Proxy({} as T, {
    get: (_, key) => {
      const object = target();
      const property: unknown = Reflect.get(object, key, object);
      return typeof property === "function" ? property.bind(object) : property;
    },
    set: (_, key, property) => Reflect.set(target(), key, property),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may only report a property as non-configurable if its own target has it so.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
};
