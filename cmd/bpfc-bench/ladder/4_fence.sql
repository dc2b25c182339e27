-- 3 behind the environment's fence, as a one-shot move is: the lock row FOR SHARE NOWAIT,
-- its counter, no lease, the access stamp, the import generation.
WITH l AS (SELECT n FROM environmentlock WHERE id = 1 FOR SHARE NOWAIT),
ok AS (SELECT 1 WHERE (SELECT n FROM l) = (SELECT n FROM environmentlock WHERE id = 1)
  AND NOT EXISTS (SELECT 1 FROM environmentlease WHERE id = 1 AND closed_until > now())
  AND (SELECT n FROM accessstamp WHERE id = 1) IS NOT NULL
  AND (SELECT COALESCE(MAX(importjob_id), 0) FROM importjob) IS NOT NULL),
u AS (UPDATE cts_phonetocase SET versionnumber = versionnumber + 1, activestageid = :stage,
  activestagestartedon = :now, modifiedby = :usr, modifiedon = :now, traversedpath = :stage
  WHERE businessprocessflowinstanceid = CASE WHEN :client_id = 0 THEN :i0 ELSE :i1 END
  AND EXISTS (SELECT 1 FROM ok)
  RETURNING businessprocessflowinstanceid),
e AS (INSERT INTO stagevisit (instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on,
  entered_by, entered_how, prev_id, prev_stage, prev_entered_on, prev_duration_ms)
  SELECT u.businessprocessflowinstanceid, 'cts_phonetocase', :wf, :stage, 'resolve', :now, :usr, 'next',
    p.stagevisit_id, p.stage_name, p.entered_on, 1
  FROM u LEFT JOIN stagevisit p ON p.stagevisit_id = (SELECT MAX(stagevisit_id) FROM stagevisit
    WHERE instance_id = u.businessprocessflowinstanceid)
  AND NOT EXISTS (SELECT 1 FROM stageexit x WHERE x.stagevisit_id = p.stagevisit_id))
SELECT count(*) FROM u;
