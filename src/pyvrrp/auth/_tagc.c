/*
 * pyvrrp.auth._tagc: the auth_hmac tag in one C call (optional accelerator).
 *
 * HMAC-SHA256 (RFC 2104) truncated to 128 bits, over the message of
 * draft-cassen-vrrp-auth-hmac-00 (tests/data/README.md says where the vectors come from):
 *
 *   pseudo-header (20) || PDU with its checksum read as zero || trailer[0:12]
 *   || 16 zero bytes
 *
 * The pure-Python reference is pyvrrp/auth/mac.py (PreparedKey) and the tag
 * step of HmacAuth.verify; tests/unit/test_tagc.py checks that both agree on
 * the draft's vectors, keepalived's captures and random input. Every receive
 * rule (stale, key id, peer, replay) stays in Python: this module computes and
 * compares tags, nothing else.
 *
 * The padded key blocks are hashed once, when a Key is made; a tag then costs
 * two copies of a 112-byte SHA-256 state and two short digests, without a
 * Python call in between. The states are OpenSSL's SHA256_CTX, held inside
 * the Key object: OpenSSL 3's SHA256_Init/Update/Final are deprecated in
 * favour of EVP but are the same code (the SHA extensions where the CPU has
 * them), and EVP_MD_CTX_copy_ex allocated and freed a provider context on
 * every copy: twice per tag. Key bytes and states are wiped from the stack
 * after use and from the Key when it is freed. Nothing here prints, logs or
 * returns key bytes.
 */
#define PY_SSIZE_T_CLEAN
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <Python.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#define BLOCK 64
#define DIGEST 32
#define TAG 16
#define TRAILER 28
#define TRAILER_HEAD 12
#define PDU_MIN 8

typedef struct {
    PyObject_HEAD
    SHA256_CTX inner; /* after (K ^ ipad) */
    SHA256_CTX outer; /* after (K ^ opad) */
} KeyObject;

static const unsigned char zeros[TAG] = {0};

static PyObject *
openssl_error(void)
{
    PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
    return NULL;
}

static void
key_dealloc(KeyObject *self)
{
    OPENSSL_cleanse(&self->inner, sizeof self->inner);
    OPENSSL_cleanse(&self->outer, sizeof self->outer);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
key_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    Py_buffer key;
    unsigned char pad[BLOCK];
    KeyObject *self;
    int ok;

    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_SetString(PyExc_TypeError, "Key() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*:Key", &key))
        return NULL;
    if (key.len > BLOCK) {
        PyBuffer_Release(&key);
        /* RFC 2104 hashes longer keys first; the caller does that. */
        PyErr_SetString(PyExc_ValueError, "a prepared key is at most 64 bytes");
        return NULL;
    }
    self = (KeyObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyBuffer_Release(&key);
        return NULL;
    }
    ok = 1;
    memset(pad, 0, BLOCK);
    memcpy(pad, key.buf, (size_t)key.len);
    PyBuffer_Release(&key);
    for (int i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36;
    ok = ok && SHA256_Init(&self->inner) && SHA256_Update(&self->inner, pad, BLOCK);
    for (int i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36 ^ 0x5c;
    ok = ok && SHA256_Init(&self->outer) && SHA256_Update(&self->outer, pad, BLOCK);
    OPENSSL_cleanse(pad, BLOCK);
    if (!ok) {
        Py_DECREF(self);
        return openssl_error();
    }
    return (PyObject *)self;
}

/* HMAC over the concatenation of n parts; out receives the full digest. */
static int
hmac_parts(KeyObject *k, const void *const *ptr, const size_t *len, int n,
           unsigned char out[DIGEST])
{
    unsigned char inner[DIGEST];
    SHA256_CTX work = k->inner;
    int ok = 1;
    for (int i = 0; ok && i < n; i++)
        ok = SHA256_Update(&work, ptr[i], len[i]);
    ok = ok && SHA256_Final(inner, &work);
    work = k->outer;
    ok = ok && SHA256_Update(&work, inner, DIGEST) && SHA256_Final(out, &work);
    OPENSSL_cleanse(inner, DIGEST);
    OPENSSL_cleanse(&work, sizeof work);
    return ok;
}

/* The six parts of the auth_hmac message (checksum and tag read as zero). */
static int
advert_tag(KeyObject *k, PyObject *pseudo, PyObject *pdu, const char *head,
           unsigned char out[DIGEST])
{
    const char *p = PyBytes_AS_STRING(pdu);
    size_t n = (size_t)PyBytes_GET_SIZE(pdu);
    const void *ptr[6] = {PyBytes_AS_STRING(pseudo), p, zeros, p + PDU_MIN,
                          head, zeros};
    const size_t len[6] = {(size_t)PyBytes_GET_SIZE(pseudo), PDU_MIN - 2, 2, n - PDU_MIN,
                           TRAILER_HEAD, TAG};
    return hmac_parts(k, ptr, len, 6, out);
}

static int
check_args(PyObject *const *args, Py_ssize_t nargs, const char *name, Py_ssize_t last_len)
{
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "%s() takes 3 arguments (%zd given)", name, nargs);
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (!PyBytes_CheckExact(args[i])) {
            PyErr_Format(PyExc_TypeError, "%s() takes bytes", name);
            return 0;
        }
    }
    if (PyBytes_GET_SIZE(args[1]) < PDU_MIN) {
        PyErr_Format(PyExc_ValueError, "%s(): a PDU is at least 8 bytes", name);
        return 0;
    }
    if (PyBytes_GET_SIZE(args[2]) != last_len) {
        PyErr_Format(PyExc_ValueError, "%s(): the third argument must be %zd bytes", name,
                     last_len);
        return 0;
    }
    return 1;
}

PyDoc_STRVAR(key_check_doc,
"check(pseudo, pdu, trailer) -> bool\n\n"
"Whether the 28-byte trailer's tag is right for pseudo || pdu (compared\n"
"in constant time).");

static PyObject *
key_check(KeyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned char mac[DIGEST];
    int same;
    if (!check_args(args, nargs, "check", TRAILER))
        return NULL;
    const char *trailer = PyBytes_AS_STRING(args[2]);
    if (!advert_tag(self, args[0], args[1], trailer, mac))
        return openssl_error();
    same = CRYPTO_memcmp(mac, trailer + TRAILER_HEAD, TAG) == 0;
    OPENSSL_cleanse(mac, DIGEST);
    return PyBool_FromLong(same);
}

PyDoc_STRVAR(key_sign_doc,
"sign(pseudo, pdu, head) -> bytes\n\n"
"The 16-byte tag for pseudo || pdu under the 12-byte trailer head.");

static PyObject *
key_sign(KeyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    unsigned char mac[DIGEST];
    if (!check_args(args, nargs, "sign", TRAILER_HEAD))
        return NULL;
    if (!advert_tag(self, args[0], args[1], PyBytes_AS_STRING(args[2]), mac))
        return openssl_error();
    return PyBytes_FromStringAndSize((const char *)mac, TAG);
}

PyDoc_STRVAR(key_tag_doc,
"tag(message) -> bytes\n\n"
"HMAC-SHA256 of message, truncated to 16 bytes.");

static PyObject *
key_tag(KeyObject *self, PyObject *arg)
{
    Py_buffer msg;
    unsigned char mac[DIGEST];
    if (PyObject_GetBuffer(arg, &msg, PyBUF_SIMPLE) < 0)
        return NULL;
    const void *ptr[1] = {msg.buf};
    const size_t len[1] = {(size_t)msg.len};
    int ok = hmac_parts(self, ptr, len, 1, mac);
    PyBuffer_Release(&msg);
    if (!ok)
        return openssl_error();
    return PyBytes_FromStringAndSize((const char *)mac, TAG);
}

static PyObject *
key_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    PyErr_SetString(PyExc_TypeError, "a prepared key cannot be pickled or copied");
    return NULL;
}

static PyMethodDef key_methods[] = {
    {"__reduce__", key_reduce, METH_NOARGS, NULL},
    {"check", (PyCFunction)(void (*)(void))key_check, METH_FASTCALL, key_check_doc},
    {"sign", (PyCFunction)(void (*)(void))key_sign, METH_FASTCALL, key_sign_doc},
    {"tag", (PyCFunction)key_tag, METH_O, key_tag_doc},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KeyType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pyvrrp.auth._tagc.Key",
    .tp_doc = PyDoc_STR("Key(key) -> HMAC-SHA256 key with its padded blocks hashed once"),
    .tp_basicsize = sizeof(KeyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = key_new,
    .tp_dealloc = (destructor)key_dealloc,
    .tp_methods = key_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyvrrp.auth._tagc",
    .m_doc = PyDoc_STR("The auth_hmac tag in C (optional; pyvrrp.auth.mac is the reference)."),
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__tagc(void)
{
    PyObject *m;
    if (PyType_Ready(&KeyType) < 0)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&KeyType);
    if (PyModule_AddObject(m, "Key", (PyObject *)&KeyType) < 0) {
        Py_DECREF(&KeyType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
