/**
 * Saving bytes or text as a file, in the browser, with no network: a Blob, an object URL and a
 * temporary `<a download>` that is clicked and removed.
 *
 *   download(filename, data, mime)   starts the download (call it from a user gesture, e.g. a click)
 *   safeFilename(name)               a name with the characters file systems refuse replaced by "-"
 */

/** How long the object URL lives after the click, so the browser can finish reading the Blob. */
const REVOKE_AFTER_MS = 60_000;

export function download(filename: string, data: Uint8Array | string, mime: string): void {
  const blob = new Blob([data as BlobPart], { type: mime });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = safeFilename(filename);
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}

export function safeFilename(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '-').replace(/^[\s.]+|[\s.]+$/g, '');
  return cleaned === '' ? 'download' : cleaned.slice(0, 200);
}
