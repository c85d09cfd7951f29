// The Documents tool: folders one level deep, the three-step direct upload
// (create upload, POST to storage, create file), and new versions by PATCH.
// Storage behaves like an S3 POST policy: no Authorization header, every
// issued field present and unchanged, the file part last (parts after it are
// ignored), and within an hour of the upload being created.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { idParam, requestCompany } from './api-routes.js';
import { fieldsOf, readMultipart } from './multipart.js';
import { ProcoreSimError, type ProcoreState, type SimFile, type SimFolder } from './state.js';

export const STORAGE_PATH = '/storage/procore-uploads';
const UPLOAD_VALIDITY_MS = 60 * 60 * 1000;

export function registerDocumentRoutes(app: FastifyInstance, state: ProcoreState, now: () => number): void {
  const projectOf = (request: FastifyRequest): number => {
    const company = requestCompany(state, request);
    const raw = (request.query as Record<string, string | undefined>)['project_id'];
    if (raw === undefined || raw === '') throw new ProcoreSimError(400, 'project_id is required');
    return state.project(idParam(raw), company.id).id;
  };
  const folderParam = (request: FastifyRequest): number => idParam((request.params as Record<string, string>)['folder_id']);
  const fileParam = (request: FastifyRequest): number => idParam((request.params as Record<string, string>)['file_id']);

  const folderView = (folder: SimFolder, withChildren: boolean): Record<string, unknown> => {
    const summary = {
      id: folder.id,
      name: folder.name,
      parent_id: folder.parent_id,
      name_with_path: state.nameWithPath(folder),
      is_deleted: folder.is_deleted,
      is_recycle_bin: folder.is_recycle_bin,
      created_at: folder.created_at,
      updated_at: folder.updated_at,
    };
    if (!withChildren) return { ...summary, has_children: hasChildren(state, folder) };
    const children = state.childrenOf(folder);
    return {
      ...summary,
      folders: children.folders.map((f) => folderView(f, false)),
      files: children.files.map(fileView),
    };
  };

  app.get('/rest/v1.0/folders', async (request) => folderView(state.rootFolder(projectOf(request)), true));

  app.get('/rest/v1.0/folders/:folder_id', async (request) => {
    const folder = state.folder(projectOf(request), folderParam(request));
    return folderView(folder, true);
  });

  app.post('/rest/v1.0/folders', async (request, reply) => {
    const projectId = projectOf(request);
    const input = ((request.body ?? {}) as { folder?: { name?: unknown; parent_id?: unknown } }).folder;
    if (!input || typeof input.name !== 'string') throw new ProcoreSimError(422, { name: ["can't be blank"] });
    const parentId = input.parent_id === undefined || input.parent_id === null ? null : idValue(input.parent_id, 'parent_id');
    const folder = state.createFolder(projectId, parentId, input.name);
    return reply.code(201).send(folderView(folder, true));
  });

  app.post('/rest/v1.1/projects/:project_id/uploads', async (request, reply) => {
    const company = requestCompany(state, request);
    const project = state.project(idParam((request.params as Record<string, string>)['project_id']), company.id);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const filename = body['response_filename'];
    const contentType = body['response_content_type'];
    if (typeof filename !== 'string' || filename.trim() === '') {
      throw new ProcoreSimError(422, { response_filename: ["can't be blank"] });
    }
    const upload = state.createUpload(
      project.id,
      filename,
      typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream',
    );
    return reply.code(201).send({
      uuid: upload.uuid,
      url: `${request.protocol}://${request.host}${STORAGE_PATH}`,
      fields: upload.fields,
    });
  });

  app.post(STORAGE_PATH, async (request, reply) => {
    if (request.headers.authorization !== undefined) {
      return storageError(
        reply,
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    const parts = await readMultipart(request.body, request.headers['content-type']);
    if (!parts) return storageError(reply, 412, 'PreconditionFailed', 'Bucket POST must be of the enclosure-type multipart/form-data');
    const fileIndex = parts.findIndex((p) => p.kind === 'file' && p.name === 'file');
    const file = parts[fileIndex];
    if (fileIndex < 0 || !file || file.kind !== 'file') {
      return storageError(reply, 400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    }
    // Storage reads the form up to the file; whatever follows is ignored.
    const fields = fieldsOf(parts.slice(0, fileIndex));
    if (fields['key'] === undefined) return storageError(reply, 400, 'InvalidArgument', "Bucket POST must contain a field named 'key'.");
    const upload = [...state.uploads.values()].find((u) => u.fields['key'] === fields['key']);
    if (!upload) return storageError(reply, 403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: key');
    for (const [name, value] of Object.entries(upload.fields)) {
      if (fields[name] !== value) {
        return storageError(reply, 403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: ${name}`);
      }
    }
    if (now() - upload.created_at_ms > UPLOAD_VALIDITY_MS) {
      return storageError(reply, 403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');
    }
    upload.content = file.data;
    return reply
      .code(201)
      .type('application/xml')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?><PostResponse><Bucket>procore-uploads</Bucket><Key>${escapeXml(upload.fields['key'] ?? '')}</Key></PostResponse>`,
      );
  });

  app.post('/rest/v1.0/files', async (request, reply) => {
    const projectId = projectOf(request);
    const input = await fileParams(request);
    const name = input['name'];
    if (name === undefined || name.trim() === '') throw new ProcoreSimError(422, { name: ["can't be blank"] });
    const uploadUuid = input['upload_uuid'];
    if (!uploadUuid) throw new ProcoreSimError(422, { upload_uuid: ["can't be blank"] });
    const parentId = input['parent_id'] ? idValue(input['parent_id'], 'parent_id') : null;
    const file = state.createFile(projectId, parentId, name, uploadUuid, input['unique_name'] === 'true');
    return reply.code(201).send(fileView(file));
  });

  app.get('/rest/v1.0/files/:file_id', async (request) => fileView(state.file(projectOf(request), fileParam(request))));

  app.patch('/rest/v1.0/files/:file_id', async (request) => {
    const projectId = projectOf(request);
    const input = await fileParams(request);
    const uploadUuid = input['upload_uuid'];
    if (!uploadUuid) throw new ProcoreSimError(422, { upload_uuid: ["can't be blank"] });
    return fileView(state.addFileVersion(projectId, fileParam(request), uploadUuid));
  });
}

/** `file[...]` fields from a multipart form, or `{"file": {...}}` from JSON. */
async function fileParams(request: FastifyRequest): Promise<Record<string, string>> {
  const parts = await readMultipart(request.body, request.headers['content-type']);
  if (parts) {
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(fieldsOf(parts))) {
      const inner = /^file\[(\w+)\]$/.exec(name)?.[1];
      if (inner) params[inner] = value;
    }
    return params;
  }
  const file = ((request.body ?? {}) as { file?: Record<string, unknown> }).file ?? {};
  return Object.fromEntries(Object.entries(file).map(([k, v]) => [k, String(v)]));
}

function idValue(value: unknown, field: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ProcoreSimError(422, { [field]: ['is invalid'] });
  }
  return Number(text);
}

function hasChildren(state: ProcoreState, folder: SimFolder): boolean {
  const children = state.childrenOf(folder);
  return children.folders.length + children.files.length > 0;
}

export function fileView(file: SimFile): Record<string, unknown> {
  const latest = file.versions[file.versions.length - 1];
  return {
    id: file.id,
    name: file.name,
    parent_id: file.parent_id,
    size: latest?.content.length ?? 0,
    is_deleted: file.is_deleted,
    created_at: file.created_at,
    updated_at: file.updated_at,
    file_versions: file.versions.map((v) => ({
      id: v.id,
      number: v.number,
      created_at: v.created_at,
      size: v.content.length,
      file_id: file.id,
    })),
  };
}

function storageError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .type('application/xml')
    .send(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
