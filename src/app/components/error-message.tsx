import type { PlainError } from '../../worker/api';
import { uiWording } from '../lib/ui-wording';

interface ErrorMessageProps {
  error: PlainError;
  testId?: string;
}

/** An error as the user sees it: what went wrong (its stable name) and how to fix it. */
export function ErrorMessage({ error, testId }: ErrorMessageProps) {
  return (
    <div className="alert alert--error" role="alert" data-testid={testId}>
      <strong className="alert__name">{error.name}</strong>
      <span className="alert__message">{uiWording(error.message)}</span>
    </div>
  );
}
