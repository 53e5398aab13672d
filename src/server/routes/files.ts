/**
 * `/v1/files` (spec: `CreateFileRequest`, `OpenAIFile`, `ListFilesResponse`, `DeleteFileResponse`): uploads
 * stream to disk through the file store, never into memory; uploaded images can then be used as
 * `images: [{ file_id }]` in JSON edits.
 */
import type { FastifyInstance } from 'fastify';
import '../context.js';
import { sniffFormat, MIME } from '../../io/image.js';
import { ApiError } from '../errors.js';
import { checkedParts } from '../multipart.js';
import { FILE_PURPOSES, noSuchFile, type StagedFile } from '../files.js';
import { invalidValue, missingParameter } from '../edit-options.js';

const MB = 1024 * 1024;

export async function filesRoutes(app: FastifyInstance): Promise<void> {
  app.post('/v1/files', async (request, reply) => {
    const { files } = app.maskedit;
    if (!request.isMultipart()) throw new ApiError({ status: 400, apiCode: 'invalid_multipart', code: 'INVALID_MULTIPART', message: 'Expected a multipart/form-data body with fields file and purpose.' });
    let staged: StagedFile | undefined;
    let filename = 'upload';
    const fields: Record<string, string> = {};
    try {
      // The file streams to disk as it arrives; the purpose may come before or after it.
      for await (const part of checkedParts(request, { limits: { files: 1, fileSize: files.maxFileBytes + 1, fields: 8, fieldSize: 1 * MB } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file') {
            part.file.resume();
            throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: part.fieldname.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${part.fieldname.slice(0, 100)}'.` });
          }
          filename = part.filename || filename;
          staged = await files.stage(part.file);
        } else {
          fields[part.fieldname] = String(part.value);
        }
      }
      if (!staged) throw missingParameter('file');
      const purpose = fields.purpose;
      if (purpose === undefined || purpose === '') throw missingParameter('purpose');
      if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) throw invalidValue('purpose', purpose, FILE_PURPOSES);
      const known = new Set(['purpose', 'expires_after[anchor]', 'expires_after[seconds]']);
      const unknown = Object.keys(fields).find((k) => !known.has(k));
      if (unknown) throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: unknown.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${unknown.slice(0, 100)}'.` });
      let ttlSeconds: number | undefined;
      if (fields['expires_after[seconds]'] !== undefined) {
        const anchor = fields['expires_after[anchor]'];
        if (anchor !== 'created_at') throw invalidValue('expires_after.anchor', anchor ?? '', ['created_at']);
        const s = Number(fields['expires_after[seconds]']);
        if (!Number.isInteger(s) || s < 3600 || s > 2_592_000) {
          throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'expires_after.seconds', code: 'INVALID_VALUE', message: `Invalid 'expires_after.seconds': expected an integer from 3600 to 2592000, but got ${fields['expires_after[seconds]']!.slice(0, 20)} instead.` });
        }
        ttlSeconds = s;
      }
      const file = await files.commit(staged, { filename, purpose, ...(ttlSeconds !== undefined && { ttlSeconds }) });
      staged = undefined;
      return reply.send(file);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'FST_FILES_LIMIT') {
        throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'file', code: 'TOO_MANY_FILES', message: "Invalid 'file': expected one file per upload, but got more than one.", cause: e });
      }
      throw e;
    } finally {
      if (staged) await files.discard(staged);
    }
  });

  app.get('/v1/files', async () => {
    const data = app.maskedit.files.list();
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id', async (request) => app.maskedit.files.require(request.params.id, 'id'));

  app.get<{ Params: { id: string } }>('/v1/files/:id/content', async (request, reply) => {
    const { files } = app.maskedit;
    const file = files.require(request.params.id, 'id');
    const sniffed = sniffFormat(await files.head(file.id));
    void reply.header('content-type', sniffed && 'format' in sniffed ? MIME[sniffed.format] : 'application/octet-stream');
    void reply.header('content-length', String(file.bytes));
    void reply.header('content-disposition', contentDisposition(file.filename));
    return reply.send(files.stream(file.id));
  });

  app.delete<{ Params: { id: string } }>('/v1/files/:id', async (request) => {
    const id = request.params.id;
    if (!(await app.maskedit.files.delete(id))) throw noSuchFile(id, 'id');
    return { id, object: 'file', deleted: true };
  });
}

/**
 * `attachment` with the stored name (RFC 6266): an ASCII `filename` for old clients and the exact name as
 * UTF-8 in `filename*` (RFC 8187). Node refuses header values outside Latin-1, so a raw "照片.png" would fail.
 *
 * @example
 * contentDisposition('照片.png') // `attachment; filename="__.png"; filename*=UTF-8''%E7%85%A7%E7%89%87.png`
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
