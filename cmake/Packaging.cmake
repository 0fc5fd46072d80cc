# Debian packages (CPack DEB, one package per component):
#   authshield-server   /usr/bin/authshield-server, /etc/authshield/authshield.conf (conffile), the systemd unit,
#                       maintainer scripts creating the `authshield` system user and /var/lib/authshield
#   authshield-console  /usr/bin/authshield-console, .desktop file and icon
# Build them from the release preset: `make package` (or `cmake --build --preset release --target package`).
include(GNUInstallDirs)

set(AUTHSHIELD_DEBIAN_DIR ${CMAKE_SOURCE_DIR}/installer/debian)
set(AUTHSHIELD_PACKAGING_DIR ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${AUTHSHIELD_PACKAGING_DIR})

# Debian wants a compressed, reproducible changelog, a copyright file and a manual page in each package.
foreach(component IN ITEMS server console)
    set(doc_dir ${AUTHSHIELD_PACKAGING_DIR}/doc-${component})
    file(MAKE_DIRECTORY ${doc_dir})
    configure_file(${AUTHSHIELD_DEBIAN_DIR}/changelog ${doc_dir}/changelog @ONLY)
    execute_process(COMMAND gzip -n -9 -f ${doc_dir}/changelog RESULT_VARIABLE gzip_result)
    if(NOT gzip_result EQUAL 0)
        message(FATAL_ERROR "gzip failed on the Debian changelog")
    endif()
    install(FILES ${doc_dir}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/authshield-${component}
            RENAME changelog.Debian.gz COMPONENT ${component})
    configure_file(${AUTHSHIELD_DEBIAN_DIR}/${component}/authshield-${component}.1 ${doc_dir}/authshield-${component}.1
                   @ONLY)
    execute_process(COMMAND gzip -n -9 -f ${doc_dir}/authshield-${component}.1 RESULT_VARIABLE gzip_result)
    if(NOT gzip_result EQUAL 0)
        message(FATAL_ERROR "gzip failed on the manual page")
    endif()
    install(FILES ${doc_dir}/authshield-${component}.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
            COMPONENT ${component})
    install(FILES ${AUTHSHIELD_DEBIAN_DIR}/copyright
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/authshield-${component} COMPONENT ${component})
    install(FILES ${AUTHSHIELD_DEBIAN_DIR}/${component}/lintian-overrides
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME authshield-${component}
            COMPONENT ${component})
endforeach()

install(TARGETS authshield-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
# The default configuration is the commented example: every key commented out, so package upgrades that
# change defaults reach users who did not override them.
install(FILES ${CMAKE_SOURCE_DIR}/resources/authshield.conf.example DESTINATION /etc/authshield
        RENAME authshield.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT server)
# Bookworm still ships units under /lib (moving files between / and /usr is unsafe with dpkg before trixie).
install(FILES ${AUTHSHIELD_DEBIAN_DIR}/authshield-server.service DESTINATION /lib/systemd/system COMPONENT server)

if(AUTHSHIELD_BUILD_CONSOLE)
    install(TARGETS authshield-console RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT console)
    install(FILES ${AUTHSHIELD_DEBIAN_DIR}/console/authshield-console.desktop
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/applications COMPONENT console)
    install(FILES ${AUTHSHIELD_DEBIAN_DIR}/console/authshield-console.svg
            DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/icons/hicolor/scalable/apps COMPONENT console)
    set(CPACK_COMPONENTS_ALL server console)
else()
    set(CPACK_COMPONENTS_ALL server)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME authshield)
set(CPACK_PACKAGE_VENDOR "AuthShield")
set(CPACK_PACKAGE_CONTACT "AuthShield maintainers <maintainers@authshield.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://authshield.invalid/")
# Maintainer scripts 0755, control files 0644, as dpkg and lintian expect.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME authshield-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
# Qt loads the SQL drivers as plugins, which dpkg-shlibdeps cannot see; postinst uses useradd (passwd).
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "passwd, libqt6sql6-sqlite, libqt6sql6-psql")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "postgresql-client, redis-tools")
# CPack indents the continuation lines itself.
set(CPACK_COMPONENT_SERVER_DESCRIPTION "self-hosted authentication server
AuthShield issues and verifies access tokens (JWT, EdDSA by default), manages
users, sessions, roles and an append-only audit log, and serves an admin API.
It runs on SQLite for a single host or PostgreSQL and Redis for several.
Run `authshield-server setup` after installing to configure it.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${AUTHSHIELD_DEBIAN_DIR}/server/conffiles ${AUTHSHIELD_DEBIAN_DIR}/server/postinst
    ${AUTHSHIELD_DEBIAN_DIR}/server/prerm ${AUTHSHIELD_DEBIAN_DIR}/server/postrm)

set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME authshield-console)
set(CPACK_DEBIAN_CONSOLE_PACKAGE_SECTION admin)


set(CPACK_COMPONENT_CONSOLE_DESCRIPTION "desktop admin console for AuthShield
A Qt Widgets application that manages users, roles, sessions, settings and the
audit log of any AuthShield server over its admin API, or starts an embedded
server on this machine.")
# The embedded server loads the SQLite driver as a plugin.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_DEPENDS "libqt6sql6-sqlite")

include(CPack)
