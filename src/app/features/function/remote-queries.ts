// Server state for the Function cell (react-query): health and deployed functions of the
// queue server, through the same HTTP transport the library uses.
import { useQuery } from '@tanstack/react-query';
import { HttpTransport, type FunctionInfo, type HealthInfo } from '../../../client/http-transport';
import { useDebounced } from '../../lib/use-debounced';
import { toPlainError } from '../../lib/worker-client';

export interface RemoteStatus {
  health: HealthInfo;
  functions: FunctionInfo[];
}

export function useRemoteStatus(typedUrl: string, typedKey: string, enabled: boolean) {
  // Typing a URL or key must not fire one request (and one 401/404) per keystroke.
  const [url, apiKey] = useDebounced(`${typedUrl}\n${typedKey}`, 400).split('\n');
  return useQuery<RemoteStatus, ReturnType<typeof toPlainError>>({
    queryKey: ['remote-status', url, apiKey],
    enabled: enabled && url.trim() !== '',
    retry: false,
    staleTime: 10_000,
    refetchInterval: 15_000,
    queryFn: async ({ signal }) => {
      try {
        const t = new HttpTransport({ url: url.trim(), apiKey: apiKey || undefined });
        const health = await t.health(signal);
        const functions = await t.listFunctions(signal);
        return { health, functions };
      } catch (err) {
        throw toPlainError(err);
      }
    },
  });
}
