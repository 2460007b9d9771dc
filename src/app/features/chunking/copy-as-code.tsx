import { useState } from 'react';

/** Shows the equivalent TS call and copies it to the clipboard. */
export function CopyAsCode({ code }: { code: string }) {
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setOpen(true);
    }
  };
  return (
    <div className="code-block">
      <div className="row-between">
        <button type="button" className="btn btn--ghost" aria-expanded={open} data-testid="code-toggle" onClick={() => setOpen(!open)}>
          {open ? 'Hide code' : 'Show as code'}
        </button>
        <button type="button" className="btn" data-testid="code-copy" onClick={() => void copy()}>
          {copied ? 'Copied ✓' : 'Copy as code'}
        </button>
      </div>
      {open ? (
        <pre className="code" data-testid="code-snippet">
          <code>{code}</code>
        </pre>
      ) : null}
    </div>
  );
}
