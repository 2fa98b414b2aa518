"""The New START profile: the bundled record of the 2011-2023 data exchanges and everything else
that only makes sense for New START's categories."""
