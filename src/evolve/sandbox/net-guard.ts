/** File name of the network guard, written next to (not inside) the child's temp directory. */
export const NET_GUARD_FILE = 'net-guard.mjs';

/**
 * A module preloaded (`--import`) into Node children when no network namespace is available:
 * it replaces every entry point to TCP, UDP and DNS with a function that throws. Best effort:
 * code that reaches native bindings directly gets past it, which the permission model
 * (`spec.node`) prevents by denying process.binding.
 */
export const NET_GUARD_SOURCE = `import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

function deny(what) {
  return function denied() {
    const error = new Error('network access is disabled in this sandbox (' + what + ')');
    error.code = 'ERR_ACCESS_DENIED';
    throw error;
  };
}

function denyMatching(target, pattern, label) {
  for (const name of Object.getOwnPropertyNames(target)) {
    if (pattern.test(name) && typeof target[name] === 'function') target[name] = deny(label + name);
  }
}

net.Socket.prototype.connect = deny('net.Socket.connect');
net.Server.prototype.listen = deny('net.Server.listen');
denyMatching(dgram.Socket.prototype, /^(bind|connect|send)$/, 'dgram.Socket.');
denyMatching(dns, /^(lookup|resolve|reverse)/, 'dns.');
denyMatching(dns.promises, /^(lookup|resolve|reverse)/, 'dns.promises.');
denyMatching(dns.Resolver.prototype, /^(resolve|reverse)/, 'dns.Resolver.');
denyMatching(dns.promises.Resolver.prototype, /^(resolve|reverse)/, 'dns.promises.Resolver.');
syncBuiltinESMExports();
`;
