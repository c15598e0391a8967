# SPDX-License-Identifier: MIT
# Generates <event2/event-config.h>: the platform facts a libevent program may
# test (EVENT__HAVE_*, EVENT__SIZEOF_*), found with CMake checks as libevent's
# own CMake build does, into ${PROJECT_BINARY_DIR}/include/event2/.
# uvbev's headers do not depend on it; programs written for libevent
# (libevent's tests and samples among them) include it.
include(CheckIncludeFile)
include(CheckSymbolExists)
include(CheckTypeSize)
include(CheckStructHasMember)

set(_uvbev_ec_defines "")
macro(_uvbev_ec_define name value)
  string(APPEND _uvbev_ec_defines "#define EVENT__${name} ${value}\n")
endmacro()

# Headers: EVENT__HAVE_<NAME>_H
set(_uvbev_ec_includes
  arpa/inet.h errno.h fcntl.h ifaddrs.h inttypes.h netdb.h netinet/in.h
  netinet/in6.h netinet/tcp.h poll.h stdarg.h stddef.h stdint.h stdlib.h
  string.h strings.h sys/epoll.h sys/eventfd.h sys/ioctl.h sys/mman.h
  sys/param.h sys/queue.h sys/random.h sys/resource.h sys/select.h
  sys/sendfile.h sys/socket.h sys/stat.h sys/time.h sys/timerfd.h sys/types.h
  sys/uio.h sys/un.h sys/wait.h unistd.h)
foreach(h IN LISTS _uvbev_ec_includes)
  string(TOUPPER "${h}" var)
  string(REGEX REPLACE "[/.]" "_" var "${var}")
  check_include_file("${h}" UVBEV_EC_HAVE_${var})
  if(UVBEV_EC_HAVE_${var})
    _uvbev_ec_define(HAVE_${var} 1)
  endif()
endforeach()

# Functions: EVENT__HAVE_<NAME>, each checked with the headers that declare it.
set(_uvbev_ec_funcs
  "accept4|sys/socket.h" "arc4random|stdlib.h" "clock_gettime|time.h"
  "epoll_create1|sys/epoll.h" "eventfd|sys/eventfd.h" "fcntl|fcntl.h"
  "getaddrinfo|netdb.h" "getnameinfo|netdb.h" "getifaddrs|ifaddrs.h"
  "gettimeofday|sys/time.h" "inet_ntop|arpa/inet.h" "inet_pton|arpa/inet.h"
  "mmap|sys/mman.h" "nanosleep|time.h" "pipe|unistd.h" "pipe2|unistd.h"
  "poll|poll.h" "putenv|stdlib.h" "select|sys/select.h" "sendfile|sys/sendfile.h"
  "setenv|stdlib.h" "setrlimit|sys/resource.h" "sigaction|signal.h"
  "signal|signal.h" "splice|fcntl.h" "strsep|string.h" "strtok_r|string.h"
  "strtoll|stdlib.h" "timerfd_create|sys/timerfd.h" "umask|sys/stat.h"
  "unsetenv|stdlib.h" "usleep|unistd.h")
set(CMAKE_REQUIRED_DEFINITIONS -D_GNU_SOURCE)
foreach(entry IN LISTS _uvbev_ec_funcs)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 fn)
  list(GET parts 1 hdr)
  string(TOUPPER "${fn}" var)
  check_symbol_exists(${fn} "${hdr}" UVBEV_EC_HAVE_${var})
  if(UVBEV_EC_HAVE_${var})
    _uvbev_ec_define(HAVE_${var} 1)
  endif()
endforeach()
if(UVBEV_EC_HAVE_EPOLL_CREATE1)
  _uvbev_ec_define(HAVE_EPOLL 1)
endif()

# Types and structure members
if(WIN32)
  set(CMAKE_EXTRA_INCLUDE_FILES winsock2.h ws2tcpip.h)
else()
  set(CMAKE_EXTRA_INCLUDE_FILES sys/types.h sys/socket.h netinet/in.h netdb.h sys/un.h)
endif()
foreach(t "struct addrinfo" "struct in6_addr" "struct sockaddr_in6"
          "struct sockaddr_storage" "struct sockaddr_un" "struct linger" "sa_family_t")
  string(TOUPPER "${t}" var)
  string(REPLACE " " "_" var "${var}")
  check_type_size("${t}" UVBEV_EC_${var})
  if(HAVE_UVBEV_EC_${var})
    _uvbev_ec_define(HAVE_${var} 1)
  endif()
endforeach()
set(CMAKE_EXTRA_INCLUDE_FILES sys/types.h time.h)
if(NOT WIN32)
  list(APPEND CMAKE_EXTRA_INCLUDE_FILES pthread.h)
endif()
foreach(t int long "long long" short size_t "void *" off_t time_t pthread_t)
  string(TOUPPER "${t}" var)
  string(REGEX REPLACE "[ *]+" "_" var "${var}")
  string(REGEX REPLACE "_$" "_P" var "${var}")
  check_type_size("${t}" UVBEV_EC_SIZEOF_${var})
  if(HAVE_UVBEV_EC_SIZEOF_${var})
    _uvbev_ec_define(SIZEOF_${var} ${UVBEV_EC_SIZEOF_${var}})
  endif()
endforeach()
unset(CMAKE_EXTRA_INCLUDE_FILES)
if(NOT WIN32)
  check_struct_has_member("struct sockaddr_in" sin_len netinet/in.h UVBEV_EC_SIN_LEN)
  check_struct_has_member("struct sockaddr_in6" sin6_len netinet/in.h UVBEV_EC_SIN6_LEN)
  check_struct_has_member("struct sockaddr_storage" ss_family sys/socket.h UVBEV_EC_SS_FAMILY)
  foreach(m SIN_LEN SIN6_LEN SS_FAMILY)
    if(UVBEV_EC_${m})
      string(REPLACE "SIN_LEN" "STRUCT_SOCKADDR_IN_SIN_LEN" d "${m}")
      string(REPLACE "SIN6_LEN" "STRUCT_SOCKADDR_IN6_SIN6_LEN" d "${d}")
      string(REPLACE "SS_FAMILY" "STRUCT_SOCKADDR_STORAGE_SS_FAMILY" d "${d}")
      _uvbev_ec_define(HAVE_${d} 1)
    endif()
  endforeach()
endif()
unset(CMAKE_REQUIRED_DEFINITIONS)

# What this build of uvbev provides
if(CMAKE_USE_PTHREADS_INIT AND NOT WIN32) # Windows uses its own threads, as in libevent
  _uvbev_ec_define(HAVE_PTHREADS 1)
endif()
if(UVBEV_WITH_OPENSSL)
  _uvbev_ec_define(HAVE_OPENSSL 1)
endif()

set(UVBEV_EVENT_CONFIG_DEFINES "${_uvbev_ec_defines}")
configure_file(${PROJECT_SOURCE_DIR}/include/event2/event-config.h.in
  ${PROJECT_BINARY_DIR}/include/event2/event-config.h @ONLY)
