// Makes everything inside it (the whole Dataset cell) a drop target for one file.
import { useRef, useState, type DragEvent, type ReactNode } from 'react';

interface DropZoneProps {
  onFile(file: File): void;
  disabled?: boolean;
  children: ReactNode;
}

export function DropZone({ onFile, disabled, children }: DropZoneProps) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

  const onDragEnter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current++;
    if (!disabled) setOver(true);
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDragOver = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    const file = e.dataTransfer.files?.[0];
    if (file && !disabled) onFile(file);
  };

  return (
    <div className={over ? 'dropzone dropzone--over' : 'dropzone'} data-testid="dataset-dropzone" onDragEnter={onDragEnter} onDragLeave={onDragLeave} onDragOver={onDragOver} onDrop={onDrop}>
      {children}
      {over ? <div className="dropzone__overlay">Release to load the file</div> : null}
    </div>
  );
}
