-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('triggered', 'acknowledged', 'mitigated', 'resolved');

-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('firing', 'resolved');

-- CreateEnum
CREATE TYPE "ChatPlatform" AS ENUM ('slack', 'discord');

-- CreateTable
CREATE TABLE "people" (
    "id" SERIAL NOT NULL,
    "handle" TEXT,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "slack_id" TEXT,
    "discord_id" TEXT,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "people_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "teams" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_members" (
    "team_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,

    CONSTRAINT "team_members_pkey" PRIMARY KEY ("team_id","person_id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "severity" INTEGER NOT NULL,
    "status" "IncidentStatus" NOT NULL DEFAULT 'triggered',
    "team_id" INTEGER,
    "service" TEXT,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT NOT NULL,
    "route_id" TEXT,
    "open_group_key" TEXT,
    "group_key" TEXT,
    "summary" TEXT,
    "playbook_id" TEXT,
    "escalation_policy" JSONB,
    "escalation_version" INTEGER NOT NULL DEFAULT 0,
    "reopen_count" INTEGER NOT NULL DEFAULT 0,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3),
    "mitigated_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alerts" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" "AlertStatus" NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "source_severity" TEXT,
    "labels" JSONB NOT NULL,
    "annotations" JSONB NOT NULL,
    "links" JSONB NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3),
    "fire_count" INTEGER NOT NULL DEFAULT 1,
    "received_count" INTEGER NOT NULL DEFAULT 1,
    "last_received_at" TIMESTAMPTZ(3) NOT NULL,
    "content_hash" TEXT NOT NULL,
    "incident_id" INTEGER,
    "raw" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_alerts" (
    "incident_id" INTEGER NOT NULL,
    "alert_id" INTEGER NOT NULL,
    "attached_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_alerts_pkey" PRIMARY KEY ("incident_id","alert_id")
);

-- CreateTable
CREATE TABLE "timeline_events" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" INTEGER,
    "actor_name" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "tag" TEXT,
    "data" JSONB,

    CONSTRAINT "timeline_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_roles" (
    "incident_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "person_id" INTEGER NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "incident_roles_pkey" PRIMARY KEY ("incident_id","role")
);

-- CreateTable
CREATE TABLE "chat_channels" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "platform" "ChatPlatform" NOT NULL,
    "channel_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_messages" (
    "id" SERIAL NOT NULL,
    "platform" "ChatPlatform" NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "playbook_runs" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "playbook_id" TEXT NOT NULL,
    "playbook_name" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "current_step_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "playbook_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "playbook_step_states" (
    "id" SERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "step_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "choice" TEXT,
    "actor_id" INTEGER,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "playbook_step_states_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oncall_overrides" (
    "id" SERIAL NOT NULL,
    "schedule_key" TEXT NOT NULL,
    "person_id" INTEGER NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT,
    "created_by_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oncall_overrides_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pages" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER,
    "person_id" INTEGER NOT NULL,
    "level" INTEGER,
    "escalation_version" INTEGER,
    "message" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "platform" "ChatPlatform",
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "acknowledged_at" TIMESTAMPTZ(3),

    CONSTRAINT "pages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "postmortems" (
    "incident_id" INTEGER NOT NULL,
    "markdown" TEXT NOT NULL,
    "generated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "postmortems_pkey" PRIMARY KEY ("incident_id")
);

-- CreateTable
CREATE TABLE "processed_requests" (
    "key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_requests_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT,
    "coalesce_key" TEXT,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 12,
    "locked_until" TIMESTAMPTZ(3),
    "locked_by" TEXT,
    "fence" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_entries" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" INTEGER,
    "actor_name" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "args" JSONB,
    "result" TEXT NOT NULL,
    "detail" TEXT,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "people_handle_key" ON "people"("handle");

-- CreateIndex
CREATE UNIQUE INDEX "people_email_key" ON "people"("email");

-- CreateIndex
CREATE UNIQUE INDEX "people_slack_id_key" ON "people"("slack_id");

-- CreateIndex
CREATE UNIQUE INDEX "people_discord_id_key" ON "people"("discord_id");

-- CreateIndex
CREATE UNIQUE INDEX "teams_key_key" ON "teams"("key");

-- CreateIndex
CREATE INDEX "team_members_person_id_idx" ON "team_members"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "incidents_open_group_key_key" ON "incidents"("open_group_key");

-- CreateIndex
CREATE INDEX "incidents_status_opened_at_idx" ON "incidents"("status", "opened_at");

-- CreateIndex
CREATE INDEX "incidents_opened_at_idx" ON "incidents"("opened_at");

-- CreateIndex
CREATE INDEX "incidents_team_id_opened_at_idx" ON "incidents"("team_id", "opened_at");

-- CreateIndex
CREATE INDEX "alerts_incident_id_idx" ON "alerts"("incident_id");

-- CreateIndex
CREATE UNIQUE INDEX "alerts_source_fingerprint_key" ON "alerts"("source", "fingerprint");

-- CreateIndex
CREATE INDEX "incident_alerts_alert_id_idx" ON "incident_alerts"("alert_id");

-- CreateIndex
CREATE INDEX "timeline_events_incident_id_at_id_idx" ON "timeline_events"("incident_id", "at", "id");

-- CreateIndex
CREATE INDEX "timeline_events_kind_at_idx" ON "timeline_events"("kind", "at");

-- CreateIndex
CREATE INDEX "incident_roles_person_id_idx" ON "incident_roles"("person_id");

-- CreateIndex
CREATE UNIQUE INDEX "chat_channels_incident_id_platform_key" ON "chat_channels"("incident_id", "platform");

-- CreateIndex
CREATE UNIQUE INDEX "chat_channels_platform_channel_id_key" ON "chat_channels"("platform", "channel_id");

-- CreateIndex
CREATE UNIQUE INDEX "chat_messages_platform_idempotency_key_key" ON "chat_messages"("platform", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "playbook_runs_incident_id_key" ON "playbook_runs"("incident_id");

-- CreateIndex
CREATE UNIQUE INDEX "playbook_step_states_run_id_step_id_key" ON "playbook_step_states"("run_id", "step_id");

-- CreateIndex
CREATE INDEX "oncall_overrides_schedule_key_ends_at_idx" ON "oncall_overrides"("schedule_key", "ends_at");

-- CreateIndex
CREATE INDEX "pages_incident_id_idx" ON "pages"("incident_id");

-- CreateIndex
CREATE INDEX "pages_person_id_created_at_idx" ON "pages"("person_id", "created_at");

-- CreateIndex
CREATE INDEX "processed_requests_created_at_idx" ON "processed_requests"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_coalesce_key_key" ON "jobs"("coalesce_key");

-- CreateIndex
CREATE INDEX "jobs_status_due_at_idx" ON "jobs"("status", "due_at");

-- CreateIndex
CREATE INDEX "jobs_subject_idx" ON "jobs"("subject");

-- CreateIndex
CREATE INDEX "audit_entries_at_idx" ON "audit_entries"("at");

-- CreateIndex
CREATE INDEX "audit_entries_actor_id_at_idx" ON "audit_entries"("actor_id", "at");

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_alerts" ADD CONSTRAINT "incident_alerts_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_alerts" ADD CONSTRAINT "incident_alerts_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeline_events" ADD CONSTRAINT "timeline_events_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeline_events" ADD CONSTRAINT "timeline_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_roles" ADD CONSTRAINT "incident_roles_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_roles" ADD CONSTRAINT "incident_roles_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_channels" ADD CONSTRAINT "chat_channels_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "playbook_runs" ADD CONSTRAINT "playbook_runs_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "playbook_step_states" ADD CONSTRAINT "playbook_step_states_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "playbook_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "playbook_step_states" ADD CONSTRAINT "playbook_step_states_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "oncall_overrides" ADD CONSTRAINT "oncall_overrides_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "oncall_overrides" ADD CONSTRAINT "oncall_overrides_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "postmortems" ADD CONSTRAINT "postmortems_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE CASCADE;

