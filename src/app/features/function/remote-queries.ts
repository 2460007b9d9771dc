// Server state for the Function cell (react-query): health and deployed functions of the
// queue server, through the library's public Remote client (the same one the worker runs jobs on).
import { useQuery } from '@tanstack/react-query';
import { Remote, type FunctionInfo, type HealthInfo } from '../../../client/remote';
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
        const remote = new Remote({ url: url.trim(), apiKey: apiKey || undefined });
        const health = await remote.health(signal);
        const functions = await remote.listFunctions(signal);
        return { health, functions };
      } catch (err) {
        throw toPlainError(err);
      }
    },
  });
}
