-- systemuser keeps each user's name folded as Go's strings.EqualFold
-- compares names (domainname_fold, indexed by systemuser_fold), so that a
-- new name is checked for a case-insensitive duplicate by one look-up:
-- systemuser is made by the store's code after the migrations, which adds
-- the column and fills it (addFoldColumn) for an environment this
-- migration finds at an earlier version.
SELECT 1;
