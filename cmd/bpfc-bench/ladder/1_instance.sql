-- The instance row alone: a move's UPDATE of its stage columns, each client on its own
-- instance (i0, i1).
UPDATE cts_phonetocase SET versionnumber = versionnumber + 1, activestageid = :stage,
  activestagestartedon = :now, modifiedby = :usr, modifiedon = :now, traversedpath = :stage
WHERE businessprocessflowinstanceid = CASE WHEN :client_id = 0 THEN :i0 ELSE :i1 END;
