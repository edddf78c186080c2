-- DropIndex
DROP INDEX "incidents_opened_at_idx";

-- CreateIndex
CREATE INDEX "incidents_report_idx" ON "incidents"("opened_at", "team_id", "severity", "acknowledged_at", "mitigated_at", "resolved_at", "id");

-- CreateIndex
CREATE INDEX "incidents_resolved_at_idx" ON "incidents"("resolved_at");

