-- +goose Up
-- The one-box search lists the people whose initials are typed ("zs") in
-- pinyin order, ten at a time. With (name_initials, name_py, id) that is
-- one ordered index range; with (name_initials) alone a planner either
-- sorts every match or walks the whole pinyin index to fill the LIMIT,
-- 20+ ms for common initials at 150k owners (bench/RESULTS.md). The new
-- indexes also answer the lists' name_initials = ? filters.
CREATE INDEX owners_initials_py ON owners (name_initials, name_py, id);
CREATE INDEX residents_initials_py ON residents (name_initials, name_py, id);
DROP INDEX owners_initials;
DROP INDEX residents_initials;

-- +goose Down
CREATE INDEX owners_initials ON owners (name_initials);
CREATE INDEX residents_initials ON residents (name_initials);
DROP INDEX residents_initials_py;
DROP INDEX owners_initials_py;
