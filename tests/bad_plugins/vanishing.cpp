// A dependency that is built somewhere the loader will not look.
extern "C" __attribute__((visibility("default"))) int sgmtk_vanishing_function() { return 7; }
