# Finds the C++ Actor Framework (CAF) 0.17 as Debian packages it (libcaf-dev),
# which ships headers and shared libraries but no CMake config.
#
# Provides the imported targets CAF::core and CAF::io and sets CAF_FOUND,
# CAF_VERSION and CAF_INCLUDE_DIRS.
#
# CAF_ROOT (a CMake or environment variable) names the prefix of another
# build of CAF 0.17, such as the ThreadSanitizer one of scripts/caf-tsan. Then
# only that prefix is searched, never the system's /usr/include/caf and
# /usr/lib, so that headers and libraries cannot come from two builds; and a
# folder configured before with another CAF_ROOT (or none) searches again.

if(NOT CAF_ROOT AND DEFINED ENV{CAF_ROOT})
  set(CAF_ROOT "$ENV{CAF_ROOT}")
endif()
if(NOT "${CAF_ROOT}" STREQUAL "${_CAF_ROOT_SEARCHED}")
  unset(CAF_INCLUDE_DIR CACHE)
  unset(CAF_CORE_LIBRARY CACHE)
  unset(CAF_IO_LIBRARY CACHE)
  set(_CAF_ROOT_SEARCHED "${CAF_ROOT}" CACHE INTERNAL "CAF_ROOT last searched")
endif()

if(CAF_ROOT)
  find_path(CAF_INCLUDE_DIR NAMES caf/config.hpp
            PATHS "${CAF_ROOT}/include" NO_DEFAULT_PATH)
  find_library(CAF_CORE_LIBRARY NAMES caf_core
               PATHS "${CAF_ROOT}/lib" NO_DEFAULT_PATH)
  find_library(CAF_IO_LIBRARY NAMES caf_io
               PATHS "${CAF_ROOT}/lib" NO_DEFAULT_PATH)
else()
  find_path(CAF_INCLUDE_DIR NAMES caf/config.hpp)
  find_library(CAF_CORE_LIBRARY NAMES caf_core)
  find_library(CAF_IO_LIBRARY NAMES caf_io)
endif()

if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX REPLACE ".*CAF_VERSION ([0-9]+).*" "\\1" _caf_v
                       "${_caf_version_line}")
  math(EXPR _caf_major "${_caf_v} / 10000")
  math(EXPR _caf_minor "(${_caf_v} / 100) % 100")
  math(EXPR _caf_patch "${_caf_v} % 100")
  set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(
  CAF
  REQUIRED_VARS CAF_INCLUDE_DIR CAF_CORE_LIBRARY CAF_IO_LIBRARY
  VERSION_VAR CAF_VERSION)

# The 0.17 API (typed_actor<replies_to<...>>, atom constants, inspect with
# data_processor) differs from 0.18+; refuse anything but 0.17.
if(CAF_FOUND AND NOT CAF_VERSION VERSION_GREATER_EQUAL "0.17.0"
   OR CAF_FOUND AND NOT CAF_VERSION VERSION_LESS "0.18.0")
  message(FATAL_ERROR "hubwatch needs CAF 0.17.x, found ${CAF_VERSION}")
endif()

if(CAF_FOUND)
  set(CAF_INCLUDE_DIRS "${CAF_INCLUDE_DIR}")
  if(NOT TARGET CAF::core)
    find_package(Threads REQUIRED)
    add_library(CAF::core UNKNOWN IMPORTED)
    set_target_properties(
      CAF::core PROPERTIES IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
                           INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
                           INTERFACE_LINK_LIBRARIES Threads::Threads)
  endif()
  if(NOT TARGET CAF::io)
    add_library(CAF::io UNKNOWN IMPORTED)
    set_target_properties(
      CAF::io PROPERTIES IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
                         INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
                         INTERFACE_LINK_LIBRARIES CAF::core)
  endif()
endif()

mark_as_advanced(CAF_INCLUDE_DIR CAF_CORE_LIBRARY CAF_IO_LIBRARY)
