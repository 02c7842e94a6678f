// Reference for the writing render: the least any program could do for the same result — start
// Node, load the keychain binding, read every item of the service in one D-Bus call, write a file.
// Usage: node keychain-floor.cjs SERVICE OUTFILE
const { findCredentialsAsync } = require('@napi-rs/keyring');
const { writeFileSync } = require('node:fs');

const [service, out] = process.argv.slice(2);
findCredentialsAsync(service, null).then((items) => {
  writeFileSync(out, JSON.stringify(Object.fromEntries(items.map((i) => [i.account, i.password.length]))));
  process.stdout.write(`${items.length} items\n`);
});
