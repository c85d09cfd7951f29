// multipart/form-data bodies, read in order: storage must know which fields
// came before the file, and Procore's file calls send `file[...]` fields.
// The body arrives as a Buffer (see the content-type parser in server.ts) and
// is parsed by the platform's own FormData reader.

export type MultipartPart =
  | { name: string; kind: 'field'; value: string }
  | { name: string; kind: 'file'; filename: string; contentType: string; data: Buffer };

export async function readMultipart(body: unknown, contentType: string | undefined): Promise<MultipartPart[] | null> {
  if (!Buffer.isBuffer(body) || !contentType?.toLowerCase().startsWith('multipart/form-data')) return null;
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    return null;
  }
  const parts: MultipartPart[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      parts.push({ name, kind: 'field', value });
    } else {
      parts.push({
        name,
        kind: 'file',
        filename: value.name,
        contentType: value.type,
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return parts;
}

/** The text fields of a form, last value winning (file parts left out). */
export function fieldsOf(parts: MultipartPart[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of parts) if (part.kind === 'field') fields[part.name] = part.value;
  return fields;
}
