-- 2 with the previous stay looked up, as a move finds it (its newest stay, not ended).
WITH u AS (UPDATE cts_phonetocase SET versionnumber = versionnumber + 1, activestageid = :stage,
  activestagestartedon = :now, modifiedby = :usr, modifiedon = :now, traversedpath = :stage
  WHERE businessprocessflowinstanceid = CASE WHEN :client_id = 0 THEN :i0 ELSE :i1 END
  RETURNING businessprocessflowinstanceid),
e AS (INSERT INTO stagevisit (instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on,
  entered_by, entered_how, prev_id, prev_stage, prev_entered_on, prev_duration_ms)
  SELECT u.businessprocessflowinstanceid, 'cts_phonetocase', :wf, :stage, 'resolve', :now, :usr, 'next',
    p.stagevisit_id, p.stage_name, p.entered_on, 1
  FROM u LEFT JOIN stagevisit p ON p.stagevisit_id = (SELECT MAX(stagevisit_id) FROM stagevisit
    WHERE instance_id = u.businessprocessflowinstanceid)
  AND NOT EXISTS (SELECT 1 FROM stageexit x WHERE x.stagevisit_id = p.stagevisit_id))
SELECT count(*) FROM u;
