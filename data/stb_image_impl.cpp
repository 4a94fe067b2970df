// The one translation unit that compiles stb_image's implementation (the header is Debian's
// libstb-dev). Only decoding from memory is used; stb's own file I/O is left out.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#include <stb/stb_image.h>
