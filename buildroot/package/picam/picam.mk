################################################################################
#
# picam
#
################################################################################

# The source is the picam tree this BR2_EXTERNAL lives in (buildroot/..), rsynced by Buildroot's
# local site method. There is no download step, so Go modules are not vendored for us: the tree
# must carry vendor/ (go mod vendor), and the build runs offline with -mod=vendor.
PICAM_VERSION = local
PICAM_SITE = $(BR2_EXTERNAL_PICAM_PATH)/..
PICAM_SITE_METHOD = local
PICAM_LICENSE = see picam README
PICAM_GOMOD = github.com/picam-project/picam
PICAM_BUILD_TARGETS = cmd/picam-server cmd/picam-client
# Pure Go: no libjpeg-turbo or OpenH264 tags, so no target C libraries are needed.
PICAM_GO_ENV = CGO_ENABLED=0
PICAM_LDFLAGS = -s -w

# Buildroot's build output is bin/<last path element>; install them under the project's names.
define PICAM_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/bin/picam-server $(TARGET_DIR)/usr/bin/picam-server
	$(INSTALL) -D -m 0755 $(@D)/bin/picam-client $(TARGET_DIR)/usr/bin/picam-client
endef

define PICAM_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(PICAM_PKGDIR)/S50picam $(TARGET_DIR)/etc/init.d/S50picam
endef

$(eval $(golang-package))
