// Arrow IPC stream bytes in/out: how tables cross the worker boundary (transferred) and the wire.
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';

/** Table → IPC stream bytes (a fresh buffer you may transfer). */
export function tableToIpcBytes(table: Table): Uint8Array {
  return tableToIPC(table, 'stream');
}

/** IPC stream (or file) bytes → Table. */
export function tableFromIpcBytes(bytes: Uint8Array | ArrayBuffer): Table {
  return tableFromIPC(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
}
