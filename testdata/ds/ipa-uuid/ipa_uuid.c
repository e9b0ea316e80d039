/*
 * ipa_uuid.c: a small 389-ds pre-operation plugin that emulates FreeIPA's
 * "IPA UUID" server plugin for the accessctl test directory.
 *
 * On ADD of an entry whose objectClass includes ipaObject or ipaAssociation:
 *   - a missing ipaUniqueID, or the magic value "autogenerate"
 *     (case-insensitive), is replaced by a fresh lowercase UUID;
 *   - if the RDN is ipaUniqueID=autogenerate, the DN is rewritten to
 *     ipaUniqueID=<uuid>,<parent> (entry DN and operation target DN);
 *   - any other explicit value is refused with insufficientAccess unless the
 *     client is bound as the root DN (FreeIPA's ipaUuidEnforce: TRUE).
 *
 * Written against slapi-plugin.h only; built by testdata/ds/up.
 */
#include <string.h>
#include <strings.h>
#include <uuid/uuid.h>
#include <dirsrv/slapi-plugin.h>

#define PLUGIN_NAME "accessctl-ipa-uuid"
#define UUID_ATTR "ipaUniqueID"
#define MAGIC "autogenerate"

static Slapi_PluginDesc pdesc = {
    "ipa-uuid", "accessctl", "1.0",
    "Generates ipaUniqueID values (FreeIPA IPA UUID emulation)"};

static void *plugin_id = NULL;

static int has_class(Slapi_Entry *e)
{
    char **ocs = slapi_entry_attr_get_charray(e, "objectClass");
    int found = 0;
    for (int i = 0; ocs && ocs[i]; i++) {
        if (strcasecmp(ocs[i], "ipaObject") == 0 ||
            strcasecmp(ocs[i], "ipaAssociation") == 0) {
            found = 1;
            break;
        }
    }
    slapi_ch_array_free(ocs);
    return found;
}

static void new_uuid(char out[37])
{
    uuid_t u;
    uuid_generate_time(u);
    uuid_unparse_lower(u, out);
}

/* rdn_is_magic reports whether the entry's RDN is ipaUniqueID=autogenerate. */
static int rdn_is_magic(Slapi_Entry *e)
{
    Slapi_RDN *rdn = slapi_rdn_new();
    char *type = NULL, *value = NULL;
    int magic = 0;

    slapi_sdn_get_rdn(slapi_entry_get_sdn(e), rdn);
    if (slapi_rdn_get_first(rdn, &type, &value) != -1 && type && value &&
        strcasecmp(type, UUID_ATTR) == 0 && strcasecmp(value, MAGIC) == 0) {
        magic = 1;
    }
    slapi_rdn_free(&rdn);
    return magic;
}

static int refuse(Slapi_PBlock *pb, int rc, const char *msg)
{
    slapi_send_ldap_result(pb, rc, NULL, (char *)msg, 0, NULL);
    slapi_pblock_set(pb, SLAPI_RESULT_CODE, &rc);
    return -1;
}

int ipauuid_internal_init(Slapi_PBlock *pb);

static int ipauuid_pre_add(Slapi_PBlock *pb)
{
    Slapi_Entry *e = NULL;
    char *value = NULL;
    char uuid[37];
    int is_repl = 0;

    slapi_pblock_get(pb, SLAPI_IS_REPLICATED_OPERATION, &is_repl);
    if (is_repl) {
        return 0;
    }
    slapi_pblock_get(pb, SLAPI_ADD_ENTRY, &e);
    if (e == NULL || !has_class(e)) {
        return 0;
    }

    value = slapi_entry_attr_get_charptr(e, UUID_ATTR);
    if (value != NULL && strcasecmp(value, MAGIC) != 0) {
        /* An explicit value: only the root DN (or an internal operation) may
         * set one, as with FreeIPA's ipaUuidEnforce: TRUE. */
        char *binddn = NULL;
        int internal = slapi_op_internal(pb);
        slapi_pblock_get(pb, SLAPI_CONN_DN, &binddn);
        slapi_ch_free_string(&value);
        if (!internal && !slapi_dn_isroot(binddn)) {
            return refuse(pb, LDAP_INSUFFICIENT_ACCESS,
                          "Only the Directory Manager can set arbitrary values for ipaUniqueID");
        }
        return 0;
    }
    slapi_ch_free_string(&value);

    new_uuid(uuid);
    slapi_entry_attr_set_charptr(e, UUID_ATTR, uuid);

    if (rdn_is_magic(e)) {
        Slapi_DN *parent = slapi_sdn_new();
        Slapi_DN *target = NULL;
        Slapi_DN *newsdn;
        char *newdn;

        slapi_sdn_get_parent(slapi_entry_get_sdn(e), parent);
        newdn = slapi_ch_smprintf("%s=%s,%s", UUID_ATTR, uuid, slapi_sdn_get_dn(parent));
        slapi_sdn_free(&parent);

        newsdn = slapi_sdn_new_dn_passin(newdn); /* takes newdn */
        slapi_entry_set_sdn(e, newsdn);          /* copies */
        slapi_sdn_free(&newsdn);

        /* The pblock owns the target SDN: replace it as 389-ds itself does. */
        slapi_pblock_get(pb, SLAPI_ADD_TARGET_SDN, &target);
        slapi_sdn_free(&target);
        slapi_pblock_set(pb, SLAPI_ADD_TARGET_SDN, slapi_sdn_dup(slapi_entry_get_sdn(e)));
        slapi_log_error(SLAPI_LOG_PLUGIN, PLUGIN_NAME, "renamed new entry to %s\n",
                      slapi_entry_get_dn(e));
    }
    return 0;
}

/* Internal adds (Managed Entries creating user private groups and hostgroup
 * netgroups) only call internal pre-operation plugins: register one too. */
int ipauuid_internal_init(Slapi_PBlock *pb)
{
    if (slapi_pblock_set(pb, SLAPI_PLUGIN_VERSION, SLAPI_PLUGIN_VERSION_01) != 0 ||
        slapi_pblock_set(pb, SLAPI_PLUGIN_DESCRIPTION, (void *)&pdesc) != 0 ||
        slapi_pblock_set(pb, SLAPI_PLUGIN_INTERNAL_PRE_ADD_FN, (void *)ipauuid_pre_add) != 0) {
        return -1;
    }
    return 0;
}

int ipauuid_init(Slapi_PBlock *pb)
{
    slapi_pblock_get(pb, SLAPI_PLUGIN_IDENTITY, &plugin_id);
    if (slapi_pblock_set(pb, SLAPI_PLUGIN_VERSION, SLAPI_PLUGIN_VERSION_01) != 0 ||
        slapi_pblock_set(pb, SLAPI_PLUGIN_DESCRIPTION, (void *)&pdesc) != 0 ||
        slapi_pblock_set(pb, SLAPI_PLUGIN_PRE_ADD_FN, (void *)ipauuid_pre_add) != 0 ||
        slapi_register_plugin("internalpreoperation", 1, "ipauuid_internal_init",
                              ipauuid_internal_init, "IPA UUID internal preoperation",
                              NULL, plugin_id) != 0) {
        slapi_log_error(SLAPI_LOG_ERR, PLUGIN_NAME, "ipauuid_init: failed to register plugin\n");
        return -1;
    }
    return 0;
}
