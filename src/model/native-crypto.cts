// node:crypto, loaded the first time a digest is asked for rather than when the model is: a
// command that reads calls without hashing anything (`show`) does not pay ~2 ms to load it.
// CommonJS, because only `require` loads a module synchronously on first use.
let loaded: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  return (loaded ??= require('node:crypto') as typeof import('node:crypto'));
}
