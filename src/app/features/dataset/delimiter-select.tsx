// CSV/TSV only: the delimiter the file was read with (detected among , ; tab |), and a choice
// that re-reads the file with another one.
import type { DatasetInfo } from '../../../worker/api';

const NAMES: Record<string, string> = { ',': 'comma ,', ';': 'semicolon ;', '\t': 'tab', '|': 'pipe |' };

interface DelimiterSelectProps {
  info: DatasetInfo;
  /** The user's choice, or 'auto'. */
  value: string;
  onChange(delimiter: string): void;
  disabled?: boolean;
}

export function DelimiterSelect({ info, value, onChange, disabled }: DelimiterSelectProps) {
  if (info.format !== 'csv') return null;
  const used = info.delimiter ?? ',';
  return (
    <label className="field field--narrow">
      <span className="field__label">Delimiter</span>
      <select value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} data-testid="dataset-delimiter">
        <option value="auto">Auto (found: {NAMES[used] ?? used})</option>
        {Object.entries(NAMES).map(([d, name]) => (
          <option key={d} value={d}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
