interface NumberFieldProps {
  label: string;
  value: string;
  onChange(v: string): void;
  error?: string;
  hint?: string;
  placeholder?: string;
  testId: string;
}

/** A numeric text field with its inline validation message (kept as text so "" means unset). */
export function NumberField({ label, value, onChange, error, hint, placeholder, testId }: NumberFieldProps) {
  return (
    <label className={error ? 'field field--invalid' : 'field'}>
      <span className="field__label">{label}</span>
      <input inputMode="decimal" value={value} placeholder={placeholder} aria-invalid={!!error} data-testid={testId} onChange={(e) => onChange(e.target.value)} />
      {error ? (
        <span className="field__error" data-testid={`${testId}-error`}>
          {error}
        </span>
      ) : hint ? (
        <span className="field__hint">{hint}</span>
      ) : null}
    </label>
  );
}
