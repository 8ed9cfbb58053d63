/** A request's photos (fetched with the token) and the picker that uploads them. */
import { useEffect, useRef, useState } from 'react';
import { Button, FileButton, Group, Image, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../../components/common';
import { photoUrl, uploadPhoto } from '../api';

/** A photo of a request (fetched with the token). */
export function Photo({ request, hash, size = 96 }: { request: string; hash: string; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let u: string | null = null;
    let gone = false;
    photoUrl(request, hash).then((x) => {
      if (gone) URL.revokeObjectURL(x);
      else setUrl((u = x));
    }).catch(() => !gone && setUrl(''));
    return () => {
      gone = true;
      if (u !== null) URL.revokeObjectURL(u);
    };
  }, [request, hash]);
  if (url === null) return <Loader size="xs" />;
  return <Image src={url || undefined} w={size} h={size} fit="cover" radius="sm" alt="" fallbackSrc="data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'/>" />;
}

/** Picks and uploads photos at once; shows what was uploaded. */
export function PhotoPicker({ value, onChange }: { value: { hash: string; url: string }[]; onChange: (v: { hash: string; url: string }[]) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  // the previews are object URLs: freed when the picker goes
  const previews = useRef(value);
  previews.current = value;
  useEffect(() => () => previews.current.forEach((p) => URL.revokeObjectURL(p.url)), []);
  const [error, setError] = useState<unknown>(null);
  const add = async (files: File[]) => {
    setBusy(true);
    setError(null);
    try {
      const added: { hash: string; url: string }[] = [];
      for (const f of files) {
        const r = await uploadPhoto(f);
        added.push({ hash: r.hash, url: URL.createObjectURL(f) });
      }
      onChange([...value, ...added.filter((a) => !value.some((v) => v.hash === a.hash))]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <Group gap="xs">
        {value.map((p) => <Image key={p.hash} src={p.url} w={64} h={64} fit="cover" radius="sm" alt="" />)}
        <FileButton onChange={(f) => void add(f)} accept="image/png,image/jpeg,image/webp" multiple>
          {(props) => <Button {...props} variant="light" size="xs" loading={busy} data-testid="add-photo">{t('photo.add')}</Button>}
        </FileButton>
      </Group>
      <ErrorAlert error={error} />
    </div>
  );
}
