-- 1 and the stage log's row (its four indexes), the previous stay given.
WITH u AS (UPDATE cts_phonetocase SET versionnumber = versionnumber + 1, activestageid = :stage,
  activestagestartedon = :now, modifiedby = :usr, modifiedon = :now, traversedpath = :stage
  WHERE businessprocessflowinstanceid = CASE WHEN :client_id = 0 THEN :i0 ELSE :i1 END
  RETURNING businessprocessflowinstanceid),
e AS (INSERT INTO stagevisit (instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on,
  entered_by, entered_how, prev_id, prev_stage, prev_entered_on, prev_duration_ms)
  SELECT businessprocessflowinstanceid, 'cts_phonetocase', :wf, :stage, 'resolve', :now, :usr, 'next',
    1, 'research', :now, 1 FROM u)
SELECT count(*) FROM u;
