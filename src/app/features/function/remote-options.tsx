// Remote backend: server URL, API key, and the server's health and deployed functions.
import { ErrorMessage } from '../../components/error-message';
import { useFunction } from '../../stores/function-store';
import { useRemoteStatus } from './remote-queries';

export function RemoteOptions() {
  const { remoteUrl, apiKey, functionName, set } = useFunction();
  const q = useRemoteStatus(remoteUrl, apiKey, true);
  const names = q.data?.functions.map((f) => f.name) ?? [];
  const missing = q.data && !names.includes(functionName);
  return (
    <div className="stack">
      <div className="grid-fields">
        <label className="field field--wide">
          <span className="field__label">Server URL</span>
          <input value={remoteUrl} spellCheck={false} data-testid="remote-url" onChange={(e) => set({ remoteUrl: e.target.value })} />
        </label>
        <label className="field">
          <span className="field__label">API key</span>
          <input type="password" value={apiKey} autoComplete="off" placeholder="none" data-testid="remote-key" onChange={(e) => set({ apiKey: e.target.value })} />
        </label>
        <label className="field">
          <span className="field__label">Function</span>
          {names.length ? (
            <select value={functionName} data-testid="remote-function" onChange={(e) => set({ functionName: e.target.value })}>
              {missing ? <option value={functionName}>{functionName} (not deployed)</option> : null}
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          ) : (
            <input value={functionName} data-testid="remote-function" onChange={(e) => set({ functionName: e.target.value })} />
          )}
        </label>
      </div>
      <div className="row-between">
        <div data-testid="remote-health" className="health">
          {q.isPending && q.fetchStatus !== 'idle' ? <span className="muted">Checking the server…</span> : null}
          {q.data ? (
            <span>
              <span className="dot dot--ok" /> Connected · server {q.data.health.version ?? '?'} · {q.data.health.workers ?? '?'} worker(s) · {names.length} function(s)
            </span>
          ) : null}
        </div>
        <button type="button" className="btn btn--ghost" data-testid="remote-check" onClick={() => void q.refetch()}>
          Check again
        </button>
      </div>
      {q.error ? <ErrorMessage error={q.error} testId="remote-error" /> : null}
      {missing ? <ErrorMessage error={{ name: 'UnknownFunctionError', message: `No function "${functionName}" is deployed on this server. Available: ${names.join(', ') || 'none'}.` }} testId="remote-error" /> : null}
      {q.data?.functions.length ? (
        <table className="table table--compact" data-testid="remote-functions">
          <thead>
            <tr>
              <th>Function</th>
              <th className="num">Batch</th>
              <th className="num">Buffer</th>
              <th className="num">Retries</th>
              <th>Resources</th>
            </tr>
          </thead>
          <tbody>
            {q.data.functions.map((f) => (
              <tr key={f.name} className={f.name === functionName ? 'is-selected' : undefined}>
                <td>
                  <code>{f.name}</code>
                </td>
                <td className="num">{f.maxBatchingSize ?? '–'}</td>
                <td className="num">{f.maxBufferDuration !== undefined ? `${f.maxBufferDuration} ms` : '–'}</td>
                <td className="num">{f.retries ?? '–'}</td>
                <td className="muted">{f.resources ? Object.entries(f.resources).map(([k, v]) => `${k}: ${v}`).join(', ') : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
