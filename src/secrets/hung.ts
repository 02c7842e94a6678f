// Set when a keychain call was abandoned while the native binding still waits on D-Bus. Such a
// process cannot exit normally (the binding's thread is joined at exit), so cli.ts ends it hard.
// Kept apart from keychain.ts so the CLI can ask without loading the binding.
let hung = false;

export function markKeychainHung(): void {
  hung = true;
}

export function keychainHung(): boolean {
  return hung;
}
