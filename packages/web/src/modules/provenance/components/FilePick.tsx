/** A labelled file input (a plain one: drop a file on it or pick one), as the provenance pages take files. */
import { Input } from '@mantine/core';

export function FilePick({ label, onChange, accept, testId }: { label: string; onChange: (f: File | null) => void; accept?: string; testId: string }) {
  return (
    <Input.Wrapper label={label}>
      <input
        type="file"
        data-testid={testId}
        {...(accept === undefined ? {} : { accept })}
        onChange={(e) => onChange(e.currentTarget.files?.[0] ?? null)}
        style={{ display: 'block', width: '100%', padding: '18px 12px', border: '2px dashed var(--mantine-color-gray-4)', borderRadius: 8, background: 'var(--mantine-color-gray-0)' }}
      />
    </Input.Wrapper>
  );
}
