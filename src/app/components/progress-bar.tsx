interface ProgressBarProps {
  value: number;
  max: number;
  label: string;
  testId?: string;
}

/** A labelled, accessible progress bar (value/max, clamped). */
export function ProgressBar({ value, max, label, testId }: ProgressBarProps) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (100 * value) / max)) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} data-testid={testId}>
      <div className="progress__fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
