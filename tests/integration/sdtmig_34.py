"""SDTMIG 3.4 domain specifications as data, for the conformance tests (not read by the export code).

Each table lists a dataset's variables in the order of its SDTMIG 3.4 specification table with their core
(R = Req, E = Exp, P = Perm). Permissible variables the export may never write are listed too, so the order
check covers any variable a helper adds later. Copied from the SDTMIG 3.4 specification tables (section 5:
DM, SE, SV; 6.1: CM, EX; 6.2: AE, DS, DV, MH; 6.3: IE, LB, QS, VS; 7: TA, TE, TV, TI, TS; 8.4: SUPP--),
not from our code. DS, SE and SV cores and order re-checked against the SDTMIG 3.4 text of
rubentalstra/Trial-Submission-Studio (standards/sdtm/ig/v3.4/chapters/): DSSTDY Exp; SE's TAETORD, EPOCH, --STDY,
--ENDY Perm and SEUPDES last; SV's SVCNTMOD and SVEPCHGI.
"""

from __future__ import annotations


def _spec(text: str) -> list[tuple[str, str]]:
    """ "NAME CORE" pairs, whitespace separated, in IG order."""
    words = text.split()
    return list(zip(words[0::2], words[1::2], strict=True))


_ID = "STUDYID R DOMAIN R USUBJID R "
_FINDINGS_TIMING = "VISITNUM E VISIT P VISITDY P TAETORD P EPOCH P "
SDTMIG_34: dict[str, list[tuple[str, str]]] = {
    "DM": _spec(_ID + """SUBJID R RFSTDTC E RFENDTC E RFXSTDTC E RFXENDTC E RFICDTC E RFPENDTC E DTHDTC E DTHFL E
        SITEID R INVID P INVNAM P BRTHDTC P AGE E AGEU E SEX R RACE E ETHNIC P ARMCD E ARM E ACTARMCD E ACTARM E
        ARMNRS E ACTARMUD E COUNTRY R DMDTC P DMDY P"""),
    "AE": _spec(_ID + """AESEQ R AEGRPID P AEREFID P AESPID P AETERM R AEMODIFY P AELLT E AELLTCD E AEDECOD R
        AEPTCD E AEHLT E AEHLTCD E AEHLGT E AEHLGTCD E AECAT P AESCAT P AEPRESP P AEBODSYS E AEBDSYCD E AESOC E
        AESOCCD E AELOC P AESEV P AESER E AEACN E AEACNOTH P AEACNDEV P AEREL E AERELNST P AEPATT P AEOUT P
        AESCAN P AESCONG P AESDISAB P AESDTH P AESHOSP P AESLIFE P AESOD P AESMIE P AESINTV P AEUNANT P
        AERLPRT P AERLPRIM P AERLDEV P AECONTRT P AETOXGR P TAETORD P EPOCH P AEDTC P AESTDTC E AEENDTC E AEDY P
        AESTDY P AEENDY P AEDUR P AEENRF P AEENRTPT P AEENTPT P"""),
    "QS": _spec(_ID + """QSSEQ R QSGRPID P QSREFID P QSSPID P QSTESTCD R QSTEST R QSCAT R QSSCAT P QSORRES E
        QSORRESU P QSSTRESC E QSSTRESN P QSSTRESU P QSSTAT P QSREASND P QSMETHOD P QSLOBXFL E QSBLFL P QSDRVFL P
        QSEVAL P
        """ + _FINDINGS_TIMING + """QSDTC E QSDY P QSTPT P QSTPTNUM P QSELTM P QSTPTREF P QSRFTDTC P QSEVLINT P
        QSEVINTX P"""),
    "EX": _spec(_ID + """EXSEQ R EXGRPID P EXREFID P EXSPID P EXLNKID P EXLNKGRP P EXTRT R EXCAT P EXSCAT P
        EXDOSE E EXDOSTXT P EXDOSU E EXDOSFRM E EXDOSFRQ P EXDOSRGM P EXROUTE P EXLOT P EXLOC P EXLAT P EXDIR P
        EXFAST P EXADJ P VISITNUM P VISIT P VISITDY P TAETORD P EPOCH P EXSTDTC E EXENDTC E EXSTDY P EXENDY P
        EXDUR P EXTPT P EXTPTNUM P EXELTM P EXTPTREF P EXRFTDTC P"""),
    "DS": _spec(_ID + """DSSEQ R DSGRPID P DSREFID P DSSPID P DSTERM R DSDECOD R DSCAT E DSSCAT P VISITNUM P VISIT P
        VISITDY P TAETORD P EPOCH P DSDTC P DSSTDTC E DSDY P DSSTDY E"""),
    "DV": _spec(_ID + """DVSEQ R DVREFID P DVSPID P DVTERM R DVDECOD P DVCAT P DVSCAT P TAETORD P EPOCH P DVSTDTC P
        DVENDTC P DVSTDY P DVENDY P"""),
    "LB": _spec(_ID + """LBSEQ R LBGRPID P LBREFID P LBSPID P LBTESTCD R LBTEST R LBTSTCND P LBBDAGNT P LBTSTOPO P
        LBCAT E LBSCAT P LBORRES E LBORRESU E LBRESSCL P LBRESTYP P LBCOLSRT P LBORNRLO E LBORNRHI E LBLLOD P
        LBSTRESC E LBSTRESN E LBSTRESU E LBSTNRLO E LBSTNRHI E LBSTNRC P LBNRIND E LBSTAT P LBREASND P LBNAM P
        LBLOINC P LBSPEC P LBSPCCND P LBSPCUFL P LBMETHOD P LBANMETH P LBTMTHSN P LBLOBXFL E LBBLFL P LBFAST P
        LBDRVFL P LBTOX P LBTOXGR P LBCLSIG P """ + _FINDINGS_TIMING + """LBDTC E LBENDTC P LBDY P LBENDY P
        LBTPT P LBTPTNUM P LBELTM P LBTPTREF P LBRFTDTC P"""),
    "VS": _spec(_ID + """VSSEQ R VSGRPID P VSSPID P VSTESTCD R VSTEST R VSCAT P VSSCAT P VSPOS P VSORRES E VSORRESU E
        VSSTRESC E VSSTRESN E VSSTRESU E VSSTAT P VSREASND P VSLOC P VSLAT P VSLOBXFL E VSBLFL P VSDRVFL P
        VSTOX P VSTOXGR P VSCLSIG P """ + _FINDINGS_TIMING + """VSDTC E VSDY P VSTPT P VSTPTNUM P VSELTM P
        VSTPTREF P VSRFTDTC P"""),
    "CM": _spec(_ID + """CMSEQ R CMGRPID P CMSPID P CMTRT R CMMODIFY P CMDECOD P CMCAT P CMSCAT P CMPRESP P CMOCCUR P
        CMSTAT P CMREASND P CMINDC P CMCLAS P CMCLASCD P CMDOSE P CMDOSTXT P CMDOSU P CMDOSFRM P CMDOSFRQ P
        CMDOSTOT P CMDOSRGM P CMROUTE P VISITNUM P VISIT P VISITDY P TAETORD P EPOCH P CMDTC P CMSTDTC P
        CMENDTC P CMDY P CMSTDY P CMENDY P CMDUR P CMSTRF P CMENRF P CMSTRTPT P CMSTTPT P CMENRTPT P CMENTPT P"""),
    "MH": _spec(_ID + """MHSEQ R MHGRPID P MHREFID P MHSPID P MHTERM R MHMODIFY P MHDECOD P MHEVDTYP P MHCAT P
        MHSCAT P MHPRESP P MHOCCUR P MHSTAT P MHREASND P MHBODSYS P MHSEV P VISITNUM P VISIT P VISITDY P
        TAETORD P EPOCH P MHDTC P MHSTDTC P MHENDTC P MHDY P MHENRF P MHENRTPT P MHENTPT P"""),
    # RP (6.3, issue 18): only the variables this export writes; their cores were not re-checked against the IG text
    "RP": _spec(_ID + """RPSEQ R RPTESTCD R RPTEST R RPORRES E RPSTRESC E VISITNUM E VISIT P EPOCH P RPDTC P
        RPDY P"""),
    "IE": _spec(_ID + """IESEQ R IESPID P IETESTCD R IETEST R IECAT R IESCAT P IEORRES R IESTRESC R VISITNUM P VISIT P
        VISITDY P TAETORD P EPOCH P IEDTC P IEDY P"""),
    "SE": _spec(_ID + """SESEQ R ETCD R ELEMENT P TAETORD P EPOCH P SESTDTC R SEENDTC E SESTDY P SEENDY P
        SEUPDES P"""),
    "SV": _spec(_ID + """VISITNUM R VISIT P SVPRESP P SVOCCUR P SVREASOC P SVCNTMOD P SVEPCHGI P VISITDY P TAETORD P
        EPOCH P SVSTDTC E SVENDTC E SVSTDY P SVENDY P SVUPDES P"""),
    "TS": _spec("""STUDYID R DOMAIN R TSSEQ R TSGRPID P TSPARMCD R TSPARM R TSVAL E TSVALNF P TSVALCD E TSVCDREF E
        TSVCDVER E"""),
    "TA": _spec("""STUDYID R DOMAIN R ARMCD R ARM R TAETORD R ETCD R ELEMENT P TABRANCH E TATRANS E EPOCH R"""),
    "TE": _spec("""STUDYID R DOMAIN R ETCD R ELEMENT R TESTRL R TEENRL P TEDUR P"""),
    "TV": _spec("""STUDYID R DOMAIN R VISITNUM R VISIT P VISITDY P ARMCD E ARM P TVSTRL R TVENRL P"""),
    "TI": _spec("""STUDYID R DOMAIN R IETESTCD R IETEST R IECAT R IESCAT P TIRL P TIVERS P"""),
    "SUPP": _spec("""STUDYID R RDOMAIN R USUBJID R IDVAR E IDVARVAL E QNAM R QLABEL R QVAL R QORIG R QEVAL E"""),
}


def _labels(text: str) -> dict[str, str]:
    """ "NAME|Label" lines."""
    return {name: label for name, label in (line.strip().split("|", 1) for line in text.strip().splitlines())}


_ID_LABELS = """STUDYID|Study Identifier
DOMAIN|Domain Abbreviation
USUBJID|Unique Subject Identifier
"""
# SDTMIG 3.4 variable labels of the domains checked against the IG's specification tables (as converted to text in
# rubentalstra/Trial-Submission-Studio standards/sdtm/ig/v3.4/chapters/, chapters 5, 6 and 7). Only variables of
# the IG tables; timing variables added from the SDTM model (AEDTC, CMDTC, --DY, EX VISITNUM) are not listed.
SDTMIG_34_LABELS: dict[str, dict[str, str]] = {
    "DM": _labels(_ID_LABELS + """SUBJID|Subject Identifier for the Study
        RFSTDTC|Subject Reference Start Date/Time
        RFENDTC|Subject Reference End Date/Time
        RFXSTDTC|Date/Time of First Study Treatment
        RFXENDTC|Date/Time of Last Study Treatment
        RFICDTC|Date/Time of Informed Consent
        RFPENDTC|Date/Time of End of Participation
        DTHDTC|Date/Time of Death
        DTHFL|Subject Death Flag
        SITEID|Study Site Identifier
        BRTHDTC|Date/Time of Birth
        AGE|Age
        AGEU|Age Units
        SEX|Sex
        RACE|Race
        ETHNIC|Ethnicity
        ARMCD|Planned Arm Code
        ARM|Description of Planned Arm
        ACTARMCD|Actual Arm Code
        ACTARM|Description of Actual Arm
        ARMNRS|Reason Arm and/or Actual Arm is Null
        ACTARMUD|Description of Unplanned Actual Arm
        COUNTRY|Country
        DMDTC|Date/Time of Collection
        DMDY|Study Day of Collection"""),
    "AE": _labels(_ID_LABELS + """AESEQ|Sequence Number
        AESPID|Sponsor-Defined Identifier
        AETERM|Reported Term for the Adverse Event
        AELLT|Lowest Level Term
        AELLTCD|Lowest Level Term Code
        AEDECOD|Dictionary-Derived Term
        AEPTCD|Preferred Term Code
        AEHLT|High Level Term
        AEHLTCD|High Level Term Code
        AEHLGT|High Level Group Term
        AEHLGTCD|High Level Group Term Code
        AEBODSYS|Body System or Organ Class
        AEBDSYCD|Body System or Organ Class Code
        AESOC|Primary System Organ Class
        AESOCCD|Primary System Organ Class Code
        AESEV|Severity/Intensity
        AESER|Serious Event
        AEACN|Action Taken with Study Treatment
        AEREL|Causality
        AEOUT|Outcome of Adverse Event
        AESCONG|Congenital Anomaly or Birth Defect
        AESDISAB|Persist or Signif Disability/Incapacity
        AESDTH|Results in Death
        AESHOSP|Requires or Prolongs Hospitalization
        AESLIFE|Is Life Threatening
        AESMIE|Other Medically Important Serious Event
        AETOXGR|Standard Toxicity Grade
        EPOCH|Epoch
        AESTDTC|Start Date/Time of Adverse Event
        AEENDTC|End Date/Time of Adverse Event
        AESTDY|Study Day of Start of Adverse Event
        AEENDY|Study Day of End of Adverse Event"""),
    "CM": _labels(_ID_LABELS + """CMSEQ|Sequence Number
        CMSPID|Sponsor-Defined Identifier
        CMTRT|Reported Name of Drug, Med, or Therapy
        CMDECOD|Standardized Medication Name
        CMINDC|Indication
        CMCLAS|Medication Class
        CMCLASCD|Medication Class Code
        CMDOSE|Dose per Administration
        CMDOSU|Dose Units
        CMDOSFRQ|Dosing Frequency per Interval
        CMROUTE|Route of Administration
        EPOCH|Epoch
        CMSTDTC|Start Date/Time of Medication
        CMENDTC|End Date/Time of Medication
        CMSTDY|Study Day of Start of Medication
        CMENDY|Study Day of End of Medication
        CMENRTPT|End Relative to Reference Time Point
        CMENTPT|End Reference Time Point"""),
    "EX": _labels(_ID_LABELS + """EXSEQ|Sequence Number
        EXSPID|Sponsor-Defined Identifier
        EXTRT|Name of Treatment
        EXDOSE|Dose
        EXDOSU|Dose Units
        EXDOSFRM|Dose Form
        EXDOSFRQ|Dosing Frequency per Interval
        EXROUTE|Route of Administration
        EXADJ|Reason for Dose Adjustment
        EPOCH|Epoch
        EXSTDTC|Start Date/Time of Treatment
        EXENDTC|End Date/Time of Treatment
        EXSTDY|Study Day of Start of Treatment
        EXENDY|Study Day of End of Treatment"""),
    "DS": _labels(_ID_LABELS + """DSSEQ|Sequence Number
        DSTERM|Reported Term for the Disposition Event
        DSDECOD|Standardized Disposition Term
        DSCAT|Category for Disposition Event
        EPOCH|Epoch
        DSSTDTC|Start Date/Time of Disposition Event
        DSSTDY|Study Day of Start of Disposition Event"""),
    "DV": _labels(_ID_LABELS + """DVSEQ|Sequence Number
        DVSPID|Sponsor-Defined Identifier
        DVTERM|Protocol Deviation Term
        DVDECOD|Protocol Deviation Coded Term
        DVCAT|Category for Protocol Deviation
        DVSCAT|Subcategory for Protocol Deviation
        EPOCH|Epoch
        DVSTDTC|Start Date/Time of Deviation
        DVSTDY|Study Day of Start of Deviation Event"""),
    "MH": _labels(_ID_LABELS + """MHSEQ|Sequence Number
        MHSPID|Sponsor-Defined Identifier
        MHTERM|Reported Term for the Medical History
        MHDECOD|Dictionary-Derived Term
        MHCAT|Category for Medical History
        EPOCH|Epoch
        MHDTC|Date/Time of History Collection
        MHSTDTC|Start Date/Time of Medical History Event
        MHDY|Study Day of History Collection
        MHENRTPT|End Relative to Reference Time Point
        MHENTPT|End Reference Time Point"""),
    "SE": _labels(_ID_LABELS + """SESEQ|Sequence Number
        ETCD|Element Code
        ELEMENT|Description of Element
        TAETORD|Planned Order of Element within Arm
        EPOCH|Epoch
        SESTDTC|Start Date/Time of Element
        SEENDTC|End Date/Time of Element
        SESTDY|Study Day of Start of Element
        SEENDY|Study Day of End of Element"""),
    "SV": _labels(_ID_LABELS + """VISITNUM|Visit Number
        VISIT|Visit Name
        VISITDY|Planned Study Day of Visit
        SVSTDTC|Start Date/Time of Observation
        SVENDTC|End Date/Time of Observation
        SVSTDY|Study Day of Start of Observation
        SVENDY|Study Day of End of Observation
        SVUPDES|Description of Unplanned Visit"""),
    "TS": _labels("""STUDYID|Study Identifier
        DOMAIN|Domain Abbreviation
        TSSEQ|Sequence Number
        TSGRPID|Group ID
        TSPARMCD|Trial Summary Parameter Short Name
        TSPARM|Trial Summary Parameter
        TSVAL|Parameter Value
        TSVALNF|Parameter Value Null Flavor
        TSVALCD|Parameter Value Code
        TSVCDREF|Name of the Reference Terminology
        TSVCDVER|Version of the Reference Terminology"""),
}
