/* sm_validate.h - validators of the domain's codes and formats (domain.md §5-6).
 *
 * Each sm_check_* returns NULL when VALUE is valid, else an untranslated
 * English message (an N_() msgid) saying what is wrong; the caller passes it
 * through _() where it is shown.  Validators never allocate except where
 * they say so and never print. */
#ifndef SM_VALIDATE_H
#define SM_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* 统一社会信用代码 GB 32100-2015 (18 chars, check digit, embedded GB 11714
 * organisation code at positions 9-17). */
const char *sm_check_uscc(const char *value);
/* 组织机构代码 GB 11714, with or without the hyphen: "D2143569-X", "743719761". */
const char *sm_check_orgcode(const char *value);
/* 居民身份证号 GB 11643: 18 chars, check digit, a real birth date (1900..today). */
const char *sm_check_id_number(const char *value);
/* Mainland mobile number: 11 digits starting with 1[3-9], optional +86/86 prefix. */
const char *sm_check_mobile(const char *value);
/* Fixed phone: area code 0xx(x) + 7-8 digits, separators '-' or space,
 * optional extension; or 400/800 numbers; or a mobile. "010-69001234". */
const char *sm_check_phone(const char *value);
/* A postal code (邮政编码): 6 digits. */
const char *sm_check_postal_code(const char *value);
/* E-mail address: local@domain, printable ASCII local part, domain checked
 * as a host name (IDN allowed). */
const char *sm_check_email(const char *value);
/* IPv4 or IPv6 public unicast address: rejects unspecified, private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), loopback, link-local, CGNAT
 * 100.64/10, multicast, reserved, documentation ranges. */
const char *sm_check_public_ip(const char *value);
/* ICP 备案号: province abbreviation + "ICP备" + digits + "号", optional "-N":
 * 「闽ICP备12345678号-1」. */
const char *sm_check_icp(const char *value);
/* 公安备案号: province abbreviation + "公网安备" + optional space + 14 digits + "号":
 * 「闽公网安备 35010202000123号」. */
const char *sm_check_psb(const char *value);
/* 政府网站标识码: 6-digit division + 4 digits, or "bm" + 8 digits. */
const char *sm_check_site_code(const char *value);
/* A host name (an English domain such as www.fj.gov.cn), IDNA2008 via libidn2. */
const char *sm_check_hostname(const char *value);
/* A date YYYY-MM-DD that exists. */
const char *sm_check_date(const char *value);
/* An amount of money in yuan: digits with at most two decimals, > 0. */
const char *sm_check_amount(const char *value);

/* IDNA2008 (libidn2, with TR46 non-transitional mapping) normalisation of a
 * full domain name such as "福建省人民政府.政务" or its ACE form.  On success
 * returns NULL and stores newly allocated strings in *ACE (lower-case
 * "xn--...") and *UNICODE (may pass NULL for either); else returns a msgid. */
const char *sm_domain_normalise(const char *value, char **ace, char **unicode);

/* The TLD of a normalised ACE name: "xn--zfr164b" (政务), "xn--55qw42g" (公益). */
#define SM_TLD_ZHENGWU_ACE "xn--zfr164b"
#define SM_TLD_GONGYI_ACE "xn--55qw42g"
#define SM_TLD_ZHENGWU "政务"
#define SM_TLD_GONGYI "公益"

/* Validate the part of a registry domain before the TLD (e.g.
 * "福建省人民政府") for TLD (SM_TLD_ZHENGWU or SM_TLD_GONGYI): a single label,
 * at least one Chinese character, valid under IDNA2008. */
const char *sm_check_registry_label(const char *label, const char *tld);
/* A full registry name: one label with a Chinese character, then .政务 or
 * .公益 (Unicode or ACE): the "registry_domain" validator. */
const char *sm_check_registry_domain(const char *value);

/* A validator by name, for the YAML forms.  Names: uscc, orgcode, id_number,
 * mobile, phone, email, public_ip, icp, psb, site_code, hostname, date,
 * amount, registry_domain (a full .政务/.公益 name).  Returns NULL for an
 * unknown name.  ("division" is checked by sm_division, not here.) */
typedef const char *(*sm_check_fn)(const char *value);
sm_check_fn sm_validator_find(const char *name);
/* NULL-terminated list of the names above, for `forms check` messages. */
const char *const *sm_validator_names(void);

/* ---- reviewer hints (domain.md §5): not errors, kept with the case ---- */

/* USCC registering department+category (chars 1-2) that do not fit the unit
 * type ("organ": 11, 13; "institution": 12; "social": 51, 52, 53). */
bool sm_hint_uscc_type(const char *uscc, const char *unit_type);
/* An address that stops above street and number: no 路/街/道/巷/弄/号/村/组/大道/
 * 广场/大厦/楼 ... and no digit after the last administrative unit word. */
bool sm_hint_address_vague(const char *address);
/* A site name containing 「中国」 from a unit that is not national (its office
 * is not "000000"). */
bool sm_hint_site_name_china(const char *site_name, const char *office_code);
/* An English domain outside .gov.cn for an organ. */
bool sm_hint_english_domain(const char *hostname, const char *unit_type);

#endif
