// The Remote client as Node code gets it (`import { Remote } from 'embedbook'`, the CLI): the same
// class, talking node:http with keep-alive instead of the global fetch unless a fetch is injected.
import { Remote as BrowserSafeRemote, type RemoteOptions } from './remote';
import { createNodeHttpFetch } from './node-http-fetch';

export class Remote extends BrowserSafeRemote {
  constructor(opts: RemoteOptions) {
    super({ ...opts, fetch: opts.fetch ?? createNodeHttpFetch({ maxSockets: opts.maxConcurrency }) });
  }
}
