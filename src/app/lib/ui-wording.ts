// Library and CLI errors name their own knobs ("pass { apiKey } / --api-key", `chunkSize`); in the
// app the user has fields instead. One place translates those phrases to the cells' names.
const PHRASES: Array<[RegExp, string]> = [
  [/pass \{ apiKey \} \/ --api-key/g, 'enter it in the API key field (cell 2)'],
  [/check it matches the server's --api-key/g, "check the API key field (cell 2) matches the server's --api-key"],
  [/`?chunkSize`?/g, 'chunk_size'],
  [/`?numChunks`?/g, 'num_chunks'],
  [/`?concurrentChunks`?/g, 'concurrent_chunks'],
];

export function uiWording(message: string): string {
  return PHRASES.reduce((m, [re, to]) => m.replace(re, to), message);
}
