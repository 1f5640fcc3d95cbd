/**
 * aws-local-stepfunctions 3 targets Node ≥ 22 and calls Promise.withResolvers
 * (Node 22+); on Node 20 every Task fails without it. Load this first
 * wherever state machines run (runner, drill, vitest setup).
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor: PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> } = Promise;
if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = function withResolvers<T>(): Resolvers<T> {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// The twin runs the handlers on this machine's Node 20; Lambda runs them on Node 22, where the
// SDK's Node-version notice does not apply. Keep it out of the drill's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
