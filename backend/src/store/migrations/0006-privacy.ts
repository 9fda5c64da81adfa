import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Privacy as code: per-workspace retention settings, support consents and the staff who
 * may use them, export jobs and their archives, deletion requests (workspace deletions
 * and Meta's data deletion callback), and audit anchors, which let the retention sweeper
 * remove audit events older than their period while the chain stays verifiable.
 */
export async function up (db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.createTable('privacy_settings')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('days', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addPrimaryKeyConstraint('privacy_settings_pk', ['workspace_id', 'key'])
    .execute()

  // A consent names the records it covers; staff reads outside them are refused.
  await db.schema.createTable('support_consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('granted_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('records', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .execute()
  await db.schema.createIndex('support_consents_workspace').on('support_consents').columns(['workspace_id', 'id']).execute()

  await db.schema.createTable('support_staff')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()

  await db.schema.createTable('privacy_exports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'workspace')`))
    .addColumn('subject_user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('requested_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'building', 'ready', 'failed', 'expired')`))
    .addColumn('progress', 'integer', (c) => c.notNull())
    // Only the digest of the download token: the link is shown once, to the requester.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('size_bytes', 'integer')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('expires_at', 'text')
    .execute()
  await db.schema.createIndex('privacy_exports_workspace').on('privacy_exports').columns(['workspace_id', 'id']).execute()
  await db.schema.createIndex('privacy_exports_status').on('privacy_exports').columns(['status', 'created_at']).execute()

  // Archives sit in the store, not in DATA_DIR: with PostgreSQL any API process can serve the download.
  await db.schema.createTable('privacy_export_files')
    .addColumn('export_id', 'text', (c) => c.primaryKey().references('privacy_exports.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('archive', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .execute()

  // No workspace_id: a receipt must outlive the workspace it reports on without naming it.
  await db.schema.createTable('deletion_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('workspace', 'meta_user')`))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('subject_digest', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('received', 'completed', 'failed')`))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute()

  await db.schema.createTable('audit_anchors')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await auditPruning(db, dialect)
}

/**
 * Audit events stay append-only, with one exception: events at or below the workspace's
 * anchor may be deleted. An anchor can only point at a link that exists (so it carries
 * that link's real hash), only moves forward, and disappears only with its workspace;
 * verification then starts from it instead of from the genesis hash.
 */
async function auditPruning (db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql.raw('DROP TRIGGER audit_events_no_delete').execute(db)
    await sql.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
      WHEN old.seq > coalesce((SELECT seq FROM audit_anchors WHERE workspace_id = old.workspace_id), 0)
      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`).execute(db)
    await sql.raw(`CREATE TRIGGER audit_anchors_real_link BEFORE INSERT ON audit_anchors
      WHEN NOT EXISTS (SELECT 1 FROM audit_events WHERE workspace_id = new.workspace_id AND seq = new.seq AND hash = new.hash)
      BEGIN SELECT RAISE(ABORT, 'an audit anchor must name an existing link'); END`).execute(db)
    await sql.raw(`CREATE TRIGGER audit_anchors_forward BEFORE UPDATE ON audit_anchors
      WHEN new.workspace_id <> old.workspace_id OR new.seq < old.seq
        OR NOT EXISTS (SELECT 1 FROM audit_events WHERE workspace_id = new.workspace_id AND seq = new.seq AND hash = new.hash)
      BEGIN SELECT RAISE(ABORT, 'audit anchors only move forward along the chain'); END`).execute(db)
    await sql.raw(`CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
      WHEN EXISTS (SELECT 1 FROM workspaces WHERE id = old.workspace_id)
      BEGIN SELECT RAISE(ABORT, 'an audit anchor goes only with its workspace'); END`).execute(db)
    return
  }
  await sql.raw(`CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND OLD.seq <= coalesce((SELECT seq FROM audit_anchors WHERE workspace_id = OLD.workspace_id), 0) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit_events is append-only';
    END $$`).execute(db)
  await sql.raw('DROP TRIGGER audit_events_no_change ON audit_events').execute(db)
  await sql.raw(`CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard()`).execute(db)
  await sql.raw(`CREATE FUNCTION audit_anchors_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id) THEN
          RAISE EXCEPTION 'an audit anchor goes only with its workspace';
        END IF;
        RETURN OLD;
      END IF;
      IF TG_OP = 'UPDATE' AND (NEW.workspace_id <> OLD.workspace_id OR NEW.seq < OLD.seq) THEN
        RAISE EXCEPTION 'audit anchors only move forward along the chain';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM audit_events WHERE workspace_id = NEW.workspace_id AND seq = NEW.seq AND hash = NEW.hash) THEN
        RAISE EXCEPTION 'an audit anchor must name an existing link';
      END IF;
      RETURN NEW;
    END $$`).execute(db)
  await sql.raw(`CREATE TRIGGER audit_anchors_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_anchors_guard()`).execute(db)
}
