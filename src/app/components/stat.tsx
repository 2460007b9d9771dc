interface StatProps {
  label: string;
  value: string;
  testId?: string;
}

/** One labelled number in a stats strip. */
export function Stat({ label, value, testId }: StatProps) {
  return (
    <div className="stat">
      <span className="stat__label">{label}</span>
      <span className="stat__value" data-testid={testId} title={value}>
        {value}
      </span>
    </div>
  );
}
