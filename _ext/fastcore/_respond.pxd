cpdef bytes encode(object content)
cpdef tuple render_json(object content, int status_code, bint head, object sub_response)
cpdef tuple render_encoded(bytes body, int status_code, bint head, object sub_response)
